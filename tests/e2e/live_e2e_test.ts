// The web UI as a user watches a host live, in Chromium: install the example
// operator through the review, start it and see it become ready, call it,
// change a setting and see the running extension use it, revoke its
// permission and see the next call fail with PermissionDenied, watch its
// activity sparklines, and watch a crashing extension get disabled, with its
// last log line, without reloading the page. Screenshots of each page are
// saved (tests/e2e/browser.ts). Run with `deno task e2e`.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { serveUi } from "../../ui/mod.ts";
import { openUi, screenshot } from "./browser.ts";
import { attacker, stage } from "../extension_stage.ts";

const TEXT_TOOLS = fileURLToPath(new URL("../../stage/examples/text-tools", import.meta.url));

const CRASHER = attacker(
  "acme.crasher",
  `console.log("about to crash, call " + input);
   await new Promise((resolve) => setTimeout(resolve, 100));
   Deno.exit(7);`,
);

/** Calls a method with the extension page's form and returns what it shows. */
async function callWithForm(page: Page, method: string, input: unknown): Promise<string> {
  const before = Number(await page.locator("#call-outcome").getAttribute("data-calls"));
  await page.getByLabel("Method", { exact: true }).fill(method);
  await page.getByLabel("Input (JSON)", { exact: true }).fill(JSON.stringify(input));
  await page.getByRole("button", { name: "Call", exact: true }).click();
  const outcome = page.locator(`#call-outcome[data-calls="${before + 1}"]`);
  await outcome.waitFor();
  return await outcome.innerText();
}

Deno.test({
  name: "a user installs, starts, tunes, restricts and watches extensions live, in Chromium",
  // playwright-core keeps its own pipes and timers to the browser process.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t): Promise<void> {
    await using s = await stage({}, { restartPolicy: { baseDelayMs: 20, maxDelayMs: 50 } });
    await s.install(CRASHER);
    await using served = serveUi({ conductor: s.conductor, port: 0 });
    await using opened = await openUi(served.url);
    const { page, pageErrors } = opened;
    const state = page.locator("#extension-state");

    await t.step("the example operator is installed through the review", async () => {
      await page.getByRole("link", { name: "Install", exact: true }).click();
      await page.getByLabel("Package directory on this machine").fill(TEXT_TOOLS);
      await page.getByRole("button", { name: "Review" }).click();
      await page.getByRole("heading", { name: /Review: Text Tools/ }).waitFor();
      assert.match(await page.locator("#install-review").innerText(), /read/);
      await screenshot(page, "install-review");
      await page.getByRole("button", { name: "Install", exact: true }).click();
      await page.locator("#install-result", { hasText: "Installed symphony.text-tools" }).waitFor();
    });

    await t.step("started from its page, it becomes ready live", async () => {
      await page.getByRole("link", { name: "Extensions", exact: true }).click();
      await page.getByRole("link", { name: "symphony.text-tools" }).click();
      await state.filter({ hasText: "installed" }).waitFor();
      await page.getByRole("button", { name: "Start", exact: true }).click();
      await state.filter({ hasText: "ready" }).waitFor();
      assert.equal(s.conductor.isRunning("symphony.text-tools"), true);
    });

    await t.step("a call from its page answers with the result", async () => {
      const shown = await callWithForm(page, "stats", { path: "granted/notes.txt" });
      assert.match(shown, /Result/);
      assert.deepEqual(JSON.parse(shown.slice(shown.indexOf("{"))), {
        path: "granted/notes.txt",
        lines: 1,
        words: 1,
        chars: 5,
        bytes: 5,
      });
    });

    await t.step("a changed setting reaches the running extension", async () => {
      // It takes effect without a restart: no new start appears in its transitions.
      const starts = (): number =>
        s.conductor.transitions("symphony.text-tools").filter((c) => c.to === "starting").length;
      const startsBefore = starts();
      const field = page.locator('form[data-setting="max_bytes"]');
      await field.getByRole("spinbutton", { name: /max_bytes/ }).fill("3");
      await field.getByRole("button", { name: "Save max_bytes" }).click();
      await page.locator("#action-status", { hasText: "Saved max_bytes" }).waitFor();
      const shown = await callWithForm(page, "stats", { path: "granted/notes.txt" });
      assert.match(shown, /holds 5 bytes, past max_bytes \(3\)/);
      // The same process answered, and is ready again.
      assert.equal(starts(), startsBefore);
      assert.equal(await s.conductor.state("symphony.text-tools"), "ready");
    });

    await t.step("its activity shows as sparklines while it runs", async () => {
      const calls = page.locator("dl.activity .calls svg.sparkline");
      await calls.waitFor({ timeout: 15_000 });
      assert.equal(await page.locator("dl.activity svg.sparkline").count(), 4);
      assert.match(
        (await page.locator("dl.activity .memory").innerText()).replace(/\s+/g, " "),
        /Memory \d+ MiB/,
      );
      await screenshot(page, "extension-detail");
    });

    await t.step("with its permission revoked, the next call fails PermissionDenied", async () => {
      await page.getByRole("button", { name: /^Revoke read / }).click();
      await page.getByRole("button", { name: /^Grant read / }).waitFor();
      const shown = await callWithForm(page, "stats", { path: "granted/notes.txt" });
      assert.match(shown, /^PermissionDenied: /);
      const denials = s.conductor.audit.list({ kind: "permission-denied" });
      assert.equal(denials.at(-1)?.extension, "symphony.text-tools");
      await page.locator("#live-status", { hasText: "permission denied in stats" }).waitFor();
    });

    await t.step("a crashing extension is disabled live, its last words logged", async () => {
      await page.getByRole("link", { name: "Extensions", exact: true }).click();
      await page.getByRole("link", { name: "acme.crasher" }).click();
      await state.filter({ hasText: "installed" }).waitFor();
      for (const n of [1, 2, 3]) {
        const shown = await callWithForm(page, "run", n);
        assert.match(shown, /^Crashed: /);
      }
      // No reload: the event stream brings the state, the announcement and the log line.
      await state.filter({ hasText: "disabled" }).waitFor();
      await page.locator("#live-status", { hasText: /acme\.crasher.*disabled/ }).waitFor();
      await page.locator("section[aria-labelledby=logs-heading]", {
        hasText: "about to crash, call 3",
      }).waitFor();
      assert.equal((await s.conductor.get("acme.crasher")).disabled !== undefined, true);
      // The page reloads its data shortly after: the history shows the disable.
      await page.locator("section[aria-labelledby=history-heading] td", { hasText: "disabled" })
        .first().waitFor();
    });

    await t.step("the extensions page shows every extension's activity and restarts", async () => {
      await page.getByRole("link", { name: "Extensions", exact: true }).click();
      const row = page.locator('tr[data-id="acme.crasher"]');
      await row.waitFor();
      assert.match(await row.locator(".state").innerText(), /disabled/);
      assert.equal(await row.locator("td").last().innerText(), "3");
      const tools = page.locator('tr[data-id="symphony.text-tools"]');
      await tools.locator(".memory svg.sparkline").waitFor({ timeout: 15_000 });
      await screenshot(page, "extensions");
    });

    await t.step("the audit page filters by time and shows the crashes", async () => {
      await page.getByRole("link", { name: "Audit", exact: true }).click();
      await page.locator("#audit-verification .verification").waitFor();
      const kinds = (): Promise<string[]> =>
        page.locator("tbody tr td:nth-child(3)").allInnerTexts();
      assert.ok((await kinds()).some((kind) => kind !== "crash"));
      await page.getByLabel("Kind").selectOption("crash");
      // The other kinds were shown: the filter removes them.
      await page.locator("tbody td:nth-child(3)").filter({ hasNotText: /^crash$/ }).first()
        .waitFor({ state: "detached" });
      assert.deepEqual(await kinds(), ["crash", "crash", "crash"]);
      await page.getByLabel("From").fill("2999-01-01T00:00");
      await page.locator("tbody tr").first().waitFor({ state: "detached" });
      await page.getByLabel("From").fill("");
      await page.locator("tbody tr").nth(2).waitFor();
      await screenshot(page, "audit");
    });

    assert.deepEqual(pageErrors, []);
  },
});
