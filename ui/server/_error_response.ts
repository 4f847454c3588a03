/**
 * How the API answers a failure: `{ "error": { "code", "message" } }` with
 * the contract's code and an HTTP status, never a stack trace.
 *
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type ErrorCode, SymphonyError } from "../../symphony_error.ts";

const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  InvalidInput: 400,
  InvalidManifest: 400,
  PermissionDenied: 403,
  NotFound: 404,
  Disabled: 409,
  ResourceExhausted: 429,
  Timeout: 504,
};

/**
 * The JSON answer for an error. A {@linkcode SymphonyError} keeps its code
 * and message; an `Internal` one, or anything else, is a fault of the host,
 * shown only as `Internal` with a generic message (the caller logs the real one).
 *
 * @param c The request's context.
 * @param error What was thrown or refused.
 * @param status The HTTP status; default: the one for the error's code (500 for the rest).
 * @returns The response.
 */
export function errorResponse(
  c: Context,
  error: unknown,
  status?: ContentfulStatusCode,
): Response {
  // A host fault, even one reported as a SymphonyError, may quote paths or
  // raw causes: the page gets a generic message, the log the real one.
  const known = error instanceof SymphonyError && error.code !== "Internal"
    ? error
    : new SymphonyError(
      "Internal",
      `Cannot answer ${c.req.method} ${c.req.path}: the host failed; its log has the details`,
    );
  c.header("Cache-Control", "no-store");
  return c.json(
    { error: { code: known.code, message: known.message } },
    status ?? STATUS[known.code] ?? 500,
  );
}
