// The web UI in a real browser: playwright-core drives headless Chromium
// ($CHROMIUM_PATH, default /usr/bin/chromium) against `serveUi` over a
// Conductor with an extension installed. Run with `deno task e2e`.
import assert from "node:assert/strict";
import { serveUi } from "../../ui/mod.ts";
import { openUi, screenshot } from "./browser.ts";
import { type Extension, stage } from "../extension_stage.ts";

const TUNED: Extension = {
  id: "acme.tuned",
  permissions: { read: ["${workspace}/granted"], env: ["LANG"] },
  settings: {
    indent: { type: "integer", default: 2, minimum: 0, maximum: 8, description: "Spaces" },
    style: { type: "enum", values: ["tabs", "spaces"], default: "spaces" },
    exclude: { type: "array", items: { type: "string" }, default: ["node_modules"] },
  },
  main: `export function activate() { return { run: () => null }; }`,
};

Deno.test({
  name: "the web UI lists, grants, revokes, sets and verifies in Chromium",
  // playwright-core keeps its own pipes and timers to the browser process.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t): Promise<void> {
    await using s = await stage();
    await s.install(TUNED);
    await using served = serveUi({ conductor: s.conductor, port: 0 });
    await using opened = await openUi(served.url);
    const { page, pageErrors } = opened;
    await t.step("the extensions table lists every installed extension", async () => {
      const row = page.locator('tr[data-id="acme.tuned"]');
      await row.waitFor();
      assert.match(await row.innerText(), /acme\.tuned\s+operator\s+1\.0\.0\s+community/);
      assert.equal(await page.locator('tr[data-id="acme.benign"]').count(), 1);
      await page.getByLabel("Type").selectOption("motif");
      await page.locator("tbody tr").first().waitFor({ state: "detached" });
      await page.getByLabel("Type").selectOption("operator");
      await page.locator('tr[data-id="acme.tuned"]').waitFor();
      // One started, one not: the state filter keeps the one in that state.
      await s.conductor.start("acme.benign");
      await page.locator('tr[data-id="acme.benign"] .state', { hasText: "ready" }).waitFor();
      await page.getByLabel("State").selectOption("installed");
      await page.locator('tr[data-id="acme.benign"]').waitFor({ state: "detached" });
      assert.equal(await page.locator("tbody tr").count(), 1);
      await page.getByLabel("State").selectOption("");
      await page.locator('tr[data-id="acme.benign"]').waitFor();
      await page.getByLabel("Filter").fill("tuned");
      await page.locator('tr[data-id="acme.benign"]').waitFor({ state: "detached" });
      assert.equal(await page.locator("tbody tr").count(), 1);
    });

    await t.step("the detail page revokes and grants a permission", async () => {
      await page.getByRole("link", { name: "acme.tuned" }).click();
      await page.getByRole("heading", { name: "Permissions" }).waitFor();
      await page.getByRole("button", { name: "Revoke env LANG" }).click();
      await page.getByRole("button", { name: "Grant env LANG" }).waitFor();
      assert.deepEqual((await s.conductor.grants("acme.tuned")).env, {
        granted: [],
        denied: ["LANG"],
      });
      await page.getByRole("button", { name: "Grant env LANG" }).click();
      await page.getByRole("button", { name: "Revoke env LANG" }).waitFor();
      assert.deepEqual((await s.conductor.grants("acme.tuned")).env, {
        granted: ["LANG"],
        denied: [],
      });
    });

    await t.step("a setting out of bounds is refused inline, a good one is saved", async () => {
      const field = page.locator('form[data-setting="indent"]');
      await field.getByRole("spinbutton", { name: /indent/ }).fill("99");
      await field.getByRole("button", { name: "Save indent" }).click();
      const error = field.getByRole("alert");
      await error.waitFor();
      assert.match(await error.innerText(), /InvalidInput: .*indent/);
      assert.equal((await s.conductor.settings("acme.tuned")).merged["indent"], 2);

      await field.getByRole("spinbutton", { name: /indent/ }).fill("4");
      await field.getByRole("button", { name: "Save indent" }).click();
      await error.waitFor({ state: "detached" });
      assert.equal((await s.conductor.settings("acme.tuned")).merged["indent"], 4);

      const style = page.locator('form[data-setting="style"]');
      await style.getByRole("combobox").selectOption("tabs");
      await style.getByRole("button", { name: "Save style" }).click();
      await page.locator("#action-status", { hasText: "Saved style" }).waitFor();
      assert.equal((await s.conductor.settings("acme.tuned")).merged["style"], "tabs");
    });

    await t.step("an array setting is a list whose items are added and removed", async () => {
      const field = page.locator('form[data-setting="exclude"]');
      const item = (n: number) => field.getByRole("textbox", { name: `exclude item ${n}` });
      assert.equal(await item(1).inputValue(), "node_modules");
      await field.getByRole("button", { name: "Add an item to exclude" }).click();
      // An item may hold a comma: it stays one item.
      await item(2).fill("dist, build");
      await field.getByRole("button", { name: "Save exclude" }).click();
      await page.locator("#action-status", { hasText: "Saved exclude" }).waitFor();
      const exclude = async (): Promise<unknown> =>
        (await s.conductor.settings("acme.tuned")).merged["exclude"];
      assert.deepEqual(await exclude(), ["node_modules", "dist, build"]);
      await field.getByRole("button", { name: "Remove exclude item 1" }).click();
      await item(2).waitFor({ state: "detached" });
      const saved = page.waitForResponse((r) =>
        r.request().method() === "PUT" && r.url().endsWith("/api/extensions/acme.tuned/settings")
      );
      await field.getByRole("button", { name: "Save exclude" }).click();
      assert.equal((await saved).status(), 200);
      assert.deepEqual(await exclude(), ["dist, build"]);
      assert.equal(await item(1).inputValue(), "dist, build");
    });

    await t.step("the audit page shows the chain verified and the grant records", async () => {
      await page.getByRole("link", { name: "Audit", exact: true }).click();
      const line = page.locator("#audit-verification .verification");
      await line.waitFor();
      // The page verified the chain as it was when it loaded; records may follow.
      const shown = /^Audit chain verified: (\d+) records$/.exec(await line.innerText());
      assert.ok(shown, await line.innerText());
      const verified = await s.conductor.audit.verify();
      assert.ok(verified.ok);
      assert.ok(Number(shown[1]) > 0 && Number(shown[1]) <= verified.count);
      await page.getByLabel("Extension").selectOption("acme.tuned");
      // Waits for the filtered table: rows, each of acme.tuned.
      const cells = page.locator("tbody tr td:nth-child(4)");
      await cells.filter({ hasNotText: "acme.tuned" }).first().waitFor({ state: "detached" });
      await cells.first().waitFor();
      for (const cell of await cells.allInnerTexts()) assert.equal(cell, "acme.tuned");
      const download = page.getByRole("link", { name: /Export \d+ records as JSON Lines/ });
      assert.equal(await download.getAttribute("download"), "symphony-audit.jsonl");
    });

    await t.step("the keyboard alone finds, opens and changes an extension", async () => {
      await page.getByRole("link", { name: "Extensions", exact: true }).focus();
      await page.keyboard.press("Enter");
      await page.getByLabel("Filter").focus();
      await page.keyboard.type("tuned");
      // The table is loaded and filtered before the first Tab.
      await page.locator('tr[data-id="acme.tuned"]').waitFor();
      await page.locator('tr[data-id="acme.benign"]').waitFor({ state: "detached" });
      // Past the type and state filters, the first extension's link.
      for (const label of ["Type", "State"]) {
        await page.keyboard.press("Tab");
        assert.equal(
          await page.locator(":focus").getAttribute("id"),
          await page.getByLabel(label).getAttribute("id"),
        );
      }
      await page.keyboard.press("Tab");
      assert.equal(await page.locator(":focus").innerText(), "acme.tuned");
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Permissions" }).waitFor();
      await page.getByRole("button", { name: "Revoke env LANG" }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("button", { name: "Grant env LANG" }).waitFor();
      assert.deepEqual((await s.conductor.grants("acme.tuned")).env.granted, []);
    });

    await t.step("the page stays usable on a narrow window", async () => {
      await page.setViewportSize({ width: 380, height: 800 });
      // Nothing wider than the window but the tables, which scroll in their own box.
      const overflow = (): Promise<number> =>
        page.evaluate(() => {
          const root = Reflect.get(globalThis, "document").documentElement;
          return root.scrollWidth - root.clientWidth;
        });
      await page.getByRole("heading", { name: "Permissions" }).waitFor();
      assert.ok(await overflow() <= 1, `the extension page is ${await overflow()} px too wide`);
      await screenshot(page, "extension-narrow");
      await page.getByRole("link", { name: "Extensions", exact: true }).click();
      const link = page.getByRole("link", { name: "acme.tuned" });
      await link.waitFor();
      assert.ok(await link.isVisible());
      assert.ok(await overflow() <= 1, `the extensions page is ${await overflow()} px too wide`);
    });

    assert.deepEqual(pageErrors, []);
  },
});
