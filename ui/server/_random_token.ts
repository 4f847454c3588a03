/**
 * Secrets for the UI: the start token, session ids and CSRF tokens.
 *
 * @module
 */

/**
 * A random secret, hex, from `crypto.getRandomValues`.
 *
 * @param bytes How many random bytes (the text is twice as long). Default: 24.
 * @returns The secret as lower-case hex.
 */
export function randomToken(bytes = 24): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
