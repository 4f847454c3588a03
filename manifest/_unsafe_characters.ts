// Characters no manifest value that becomes a flag, a path or a line of output
// may hold: controls, invisible format characters (bidi overrides, zero-width
// spaces), line and paragraph separators, and lone surrogates.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * Says why `value` holds a character that could hide what it says or corrupt a
 * flag, or returns undefined when it holds none.
 */
export function unsafeCharacters(value: string, what: string): string | undefined {
  const found = UNSAFE.exec(value)?.[0] ?? (value.isWellFormed() ? undefined : "\ufffd");
  if (found === undefined) return undefined;
  const code = (found.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
  return `${what} contains an invisible or control character (U+${code})`;
}
