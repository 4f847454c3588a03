/**
 * The one error class of the project: every failure a user can see carries one
 * of the contract's error codes.
 *
 * @module
 */

/**
 * The error codes of the product contract, in the order the contract lists
 * them, plus `Internal` for a fault of the host itself (a bug to report).
 */
export const ERROR_CODES = [
  "InvalidManifest",
  "NotFound",
  "PermissionDenied",
  "Timeout",
  "ResourceExhausted",
  "Crashed",
  "Disabled",
  "InvalidInput",
  "InvalidOutput",
  "ProtocolError",
  "ExtensionError",
  "DependencyError",
  "SignatureError",
  "Internal",
] as const;

/** One of the contract's error codes. */
export type ErrorCode = typeof ERROR_CODES[number];

/**
 * An error a user acts on: it carries a contract error code, and its message
 * reads "Cannot <do X>: <why>".
 *
 * @example Carry a code and a cause
 * ```ts
 * import { SymphonyError } from "./symphony_error.ts";
 * import assert from "node:assert/strict";
 *
 * const cause = new Error("ENOENT");
 * const error = new SymphonyError("NotFound", "Cannot read manifest: no such file", { cause });
 * assert.equal(error.code, "NotFound");
 * assert.equal(error.cause, cause);
 * assert.equal(error.name, "SymphonyError");
 * ```
 */
export class SymphonyError extends Error {
  /** The contract's error code. */
  readonly code: ErrorCode;

  /**
   * @param code The contract's error code.
   * @param message What could not be done and why: "Cannot <do X>: <why>".
   * @param options The underlying `cause`, if any.
   */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SymphonyError";
    this.code = code;
  }
}
