// Motif panels in a real browser: playwright-core drives headless Chromium
// ($CHROMIUM_PATH, default /usr/bin/chromium) against `serveUi`. A benign
// panel renders and a click updates it; a hostile motif's markup shows as
// literal text and runs nothing; a tree the server refuses shows the
// refusal. Run with `deno task e2e`.
import assert from "node:assert/strict";
import { serveUi } from "../../ui/mod.ts";
import { fileURLToPath } from "node:url";
import { installExtension } from "../../kit/mod.ts";
import { openUi, screenshot } from "./browser.ts";
import { installMotif, stage } from "../extension_stage.ts";

const COUNTER = `
let count = 0;
const tree = () => ({
  type: "heading",
  props: { text: "Counter", level: 4 },
  children: [
    { type: "text", props: { text: "Count: " + count } },
    { type: "button", props: { id: "inc", label: "Add one" } },
    { type: "badge", props: { text: count > 0 ? "counted" : "idle", tone: "ok" } },
    { type: "progress", props: { value: Math.min(count / 10, 1), label: "Towards ten" } },
    { type: "chart", props: { points: [1, 3, 2, count], label: "Counts" } },
  ],
});
export function activate() {
  return {
    render: () => tree(),
    event: (e) => {
      if (e.id === "inc") count++;
      return tree();
    },
  };
}`;

const WORD_COUNT = fileURLToPath(
  new URL("../../stage/examples/word-count-panel", import.meta.url),
);

const IMG = `<img src=x onerror="window.__pwned=1">`;
const SCRIPT = "<script>window.__pwned=1</script>";

const HOSTILE = `
const tree = () => ({
  type: "heading",
  props: { text: ${JSON.stringify(SCRIPT)} },
  children: [
    { type: "text", props: { text: ${JSON.stringify(IMG)} } },
    { type: "text", props: { text: ${JSON.stringify(SCRIPT)} } },
    { type: "list", props: { items: [${JSON.stringify(IMG)}] } },
    { type: "button", props: { id: "evil", label: "Swap in a script" } },
  ],
});
export function activate() {
  return {
    render: () => tree(),
    event: () => ({ type: "script", props: { text: "window.__pwned = 1" } }),
  };
}`;

Deno.test({
  name: "motif panels render, update on a click and never run a motif's markup, in Chromium",
  // playwright-core keeps its own pipes and timers to the browser process.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t): Promise<void> {
    await using s = await stage();
    await installMotif(s, "acme.counter", COUNTER);
    await installMotif(s, "acme.hostile", HOSTILE);
    await using served = serveUi({ conductor: s.conductor, port: 0 });
    await using opened = await openUi(served.url);
    const { page, pageErrors } = opened;
    const panel = page.locator("#motif-panel");

    await t.step("the benign panel renders and a click updates it", async () => {
      await page.getByRole("link", { name: "acme.counter" }).click();
      await panel.getByText("Count: 0").waitFor();
      assert.equal(await panel.getByRole("heading", { name: "Counter" }).count(), 1);
      assert.equal(await panel.locator("progress").getAttribute("value"), "0");
      await panel.getByRole("button", { name: "Add one" }).click();
      await panel.getByText("Count: 1").waitFor();
      await panel.getByRole("button", { name: "Add one" }).click();
      await panel.getByText("Count: 2").waitFor();
      assert.equal(await panel.locator(".badge").innerText(), "counted");
      assert.equal(await panel.locator("progress").getAttribute("value"), "0.2");
      assert.equal(await panel.getByRole("img", { name: "Counts: 1, 3, 2, 2" }).count(), 1);
      await screenshot(page, "motif-panel");
    });

    await t.step("a hostile motif's markup shows as literal text and runs nothing", async () => {
      await page.getByRole("link", { name: "Extensions", exact: true }).click();
      await page.getByRole("link", { name: "acme.hostile" }).click();
      await panel.getByRole("button", { name: "Swap in a script" }).waitFor();
      const texts = await panel.locator(".motif-text").allInnerTexts();
      assert.deepEqual(texts, [IMG, SCRIPT]);
      assert.equal(await panel.getByRole("heading", { name: SCRIPT }).count(), 1);
      assert.equal(await panel.locator("li").innerText(), IMG);
      assert.equal(await panel.locator("img, script, iframe").count(), 0);
      assert.equal(
        await page.evaluate(() => typeof Reflect.get(globalThis, "__pwned")),
        "undefined",
      );
    });

    await t.step("a tree the server refuses shows InvalidOutput and runs nothing", async () => {
      await panel.getByRole("button", { name: "Swap in a script" }).click();
      const alert = panel.getByRole("alert");
      await alert.waitFor();
      assert.match(
        await alert.innerText(),
        /^InvalidOutput: Cannot show the panel of acme\.hostile event: \$\.type: /,
      );
      assert.equal(await panel.locator("script").count(), 0);
      assert.equal(
        await page.evaluate(() => typeof Reflect.get(globalThis, "__pwned")),
        "undefined",
      );
    });

    await t.step("the example motif counts typed text and follows a changed setting", async () => {
      const installed = await installExtension(WORD_COUNT, {
        conductor: s.conductor,
        confirm: () => Promise.resolve(true),
      });
      assert.equal(installed?.id, "symphony.word-count-panel");
      await page.getByRole("link", { name: "Extensions", exact: true }).click();
      await page.getByRole("link", { name: "symphony.word-count-panel" }).click();
      const text = panel.getByRole("textbox", { name: "Text to count" });
      await text.fill("One two three. Four.");
      // A live event reloads the page's data meanwhile: what is typed stays.
      const reloaded = page.waitForResponse((r) =>
        r.url().endsWith("/api/extensions/symphony.word-count-panel")
      );
      await s.conductor.disable("acme.hostile");
      await reloaded;
      await page.evaluate(() =>
        new Promise((resolve) => Reflect.get(globalThis, "requestAnimationFrame")(resolve))
      );
      assert.equal(await text.inputValue(), "One two three. Four.");
      await text.press("Enter");
      const row = (name: string) => panel.locator("tr", { hasText: name });
      await row("Words").filter({ hasText: "4" }).waitFor();
      assert.match(await row("Sentences").innerText(), /2/);
      assert.equal(await row("Lines").count(), 1);
      // The setting is saved while it runs, and its next answer follows it.
      const lines = page.locator('form[data-setting="show_lines"]');
      await lines.getByRole("switch").uncheck();
      await lines.getByRole("button", { name: "Save show_lines" }).click();
      await page.locator("#action-status", { hasText: "Saved show_lines" }).waitFor();
      // Typed, then Clear clicked at once: the change goes first, then the click.
      await text.fill("Five words are typed here");
      await panel.getByRole("button", { name: "Clear" }).click();
      await row("Words").filter({ hasText: /^Words\s*0$/ }).waitFor();
      assert.equal(await text.inputValue(), "");
      assert.equal(await row("Lines").count(), 0);
      await screenshot(page, "motif-example");
    });

    assert.deepEqual(pageErrors, []);
  },
});
