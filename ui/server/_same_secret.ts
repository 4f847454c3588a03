/**
 * Comparing a secret a client sent with the one the server holds, in time
 * that does not depend on where they differ.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";

const encoder = new TextEncoder();

/**
 * Whether a secret a client sent is the expected one.
 *
 * @param given What the client sent, if anything.
 * @param expected The secret.
 * @returns Whether they are equal; false for a missing or empty value.
 */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined || given === "" || expected === "") return false;
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  // The length of a token is no secret; its bytes are.
  return a.length === b.length && timingSafeEqual(a, b);
}
