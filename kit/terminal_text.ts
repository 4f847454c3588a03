/**
 * Text from extensions made safe to print on a terminal.
 *
 * @module
 */

// Controls (except tab), invisible format characters, separators, lone surrogates.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * Escapes what an extension could use to drive the user's terminal (escape
 * sequences that move the cursor, erase lines, or set the clipboard) or to
 * hide text, so that one printed line is exactly what it shows.
 *
 * @param text Text that came from an extension.
 * @returns The text with such characters written as `\u{…}` escapes.
 *
 * @example
 * ```ts
 * import { terminalText } from "./terminal_text.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(terminalText("ok\u001b[1A\u001b[2Kfake"), "ok\\u{1b}[1A\\u{1b}[2Kfake");
 * assert.equal(terminalText("tab\tstays"), "tab\tstays");
 * ```
 */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}
