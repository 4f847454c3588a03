/**
 * The browser the browser tests drive: Debian's Chromium, headless, through
 * playwright-core (`$CHROMIUM_PATH` overrides where it is).
 *
 * @module
 */
import { chromium, type Page } from "playwright-core";

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
  const browser = await chromium.launch({
    executablePath: Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox"],
  });
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
