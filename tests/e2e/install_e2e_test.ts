// The install page in a real browser: review a package directory, untick a
// permission, install, and find the extension listed with that permission
// denied. Run with `deno task e2e`.
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveUi } from "../../ui/mod.ts";
import { openUi } from "./browser.ts";
import { type Extension, stage, writeExtension } from "../extension_stage.ts";

const NOTES: Extension = {
  id: "acme.notes",
  permissions: { read: ["${workspace}/granted"], net: ["api.example.com", "*"], env: ["LANG"] },
  main: `export function activate() { return { run: () => null }; }`,
};

Deno.test({
  name: "the install page reviews a package and installs it granting less than requested",
  // playwright-core keeps its own pipes and timers to the browser process.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t): Promise<void> {
    await using s = await stage();
    const dir = await writeExtension(join(s.root, "packages"), NOTES);
    await using served = serveUi({ conductor: s.conductor, port: 0 });
    await using opened = await openUi(served.url);
    const { page, pageErrors } = opened;
    const box = (kind: string, value: string) =>
      page.locator(`#install-review input[data-kind="${kind}"][data-value="${value}"]`);

    await t.step(
      "the review shows each request in plain words, dangerous ones unticked",
      async () => {
        await page.getByRole("link", { name: "Install", exact: true }).click();
        await page.getByLabel("Package directory on this machine").fill(dir);
        await page.getByRole("button", { name: "Review" }).click();
        await page.getByRole("heading", { name: /Review: acme\.notes/ }).waitFor();
        const review = await page.locator("#install-review").innerText();
        assert.match(review, /see the environment variables LANG/);
        assert.match(review, /Dangerous for the community tier: reaches any host on the network/);
        assert.match(review, /It did not ask to: .*run programs/);
        assert.ok(await box("env", "LANG").isChecked());
        assert.ok(await box("net", "api.example.com").isChecked());
        assert.ok(!(await box("net", "*").isChecked()));
        await assert.rejects(s.conductor.get("acme.notes"));
      },
    );

    await t.step("installing without one permission leaves it denied", async () => {
      await box("env", "LANG").uncheck();
      await page.getByRole("button", { name: "Install", exact: true }).click();
      await page.locator("#install-result", { hasText: "Installed acme.notes 1.0.0" }).waitFor();
      assert.deepEqual((await s.conductor.grants("acme.notes")).env, {
        granted: [],
        denied: ["LANG"],
      });
    });

    await t.step("the extensions list and the detail page show it", async () => {
      await page.getByRole("link", { name: "Extensions", exact: true }).click();
      await page.locator('tr[data-id="acme.notes"]').waitFor();
      await page.getByRole("link", { name: "acme.notes" }).click();
      await page.getByRole("heading", { name: "Permissions" }).waitFor();
      await page.getByRole("button", { name: "Grant env LANG" }).waitFor();
      assert.equal(await page.getByRole("button", { name: "Revoke env LANG" }).count(), 0);
      assert.equal(
        await page.getByRole("button", { name: "Revoke net api.example.com" }).count(),
        1,
      );
    });

    assert.deepEqual(pageErrors, []);
  },
});
