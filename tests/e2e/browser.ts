/**
 * The browser the browser tests drive: Debian's Chromium, headless, through
 * playwright-core (`$CHROMIUM_PATH` overrides where it is), and where their
 * screenshots go (`$SCREENSHOTS_DIR`, default `test-results/screenshots`).
 *
 * @module
 */
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { headlessChromium } from "../../ui/_headless_chromium.ts";

/** A page open on the UI; disposing it closes the browser. */
export interface UiPage extends AsyncDisposable {
  page: Page;
  /** Errors the page's scripts threw, for a test to assert there were none. */
  pageErrors: string[];
}

/**
 * Launches Chromium and opens `url` at 1280×800.
 *
 * @param url The UI's address, with its start token.
 * @returns The page and the errors its scripts throw.
 */
export async function openUi(url: string): Promise<UiPage> {
  const browser = await chromium.launch(headlessChromium());
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(url);
    return { page, pageErrors, [Symbol.asyncDispose]: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Where {@linkcode screenshot} writes: `$SCREENSHOTS_DIR`, default `test-results/screenshots`. */
export const SCREENSHOTS_DIR = Deno.env.get("SCREENSHOTS_DIR") ??
  join(import.meta.dirname ?? ".", "..", "..", "test-results", "screenshots");

/**
 * Saves the whole page as `<name>.png` in {@linkcode SCREENSHOTS_DIR}.
 *
 * @param page The page.
 * @param name The file's name, without `.png`.
 * @returns The file's path.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
