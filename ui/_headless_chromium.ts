/**
 * How the browser tests and the motif bridge benchmark start Chromium:
 * Debian's, headless (`$CHROMIUM_PATH` overrides where it is), with nothing
 * that calls home, since the machines' network is closed.
 *
 * @module
 */

/** Options for playwright-core's `chromium.launch`. */
export interface HeadlessChromiumOptions {
  executablePath: string;
  headless: true;
  args: string[];
}

/**
 * The launch options.
 *
 * @returns Where Chromium is, and its flags.
 */
export function headlessChromium(): HeadlessChromiumOptions {
  return {
    executablePath: Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  };
}
