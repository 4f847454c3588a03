/**
 * The check of every API request: a live session (from the cookie the start
 * token gave), and for a request that changes something, the session's CSRF
 * token in `X-CSRF-Token`.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { SymphonyError } from "../../symphony_error.ts";
import { errorResponse } from "./_error_response.ts";
import { sameSecret } from "./_same_secret.ts";
import type { Session, SessionStore } from "./_session_store.ts";

/**
 * The session cookie's name for a server bound to `host`: browsers share
 * cookies between ports, so each port has its own, and two hosts on one
 * machine do not sign each other out.
 *
 * @param host The bound `127.0.0.1:<port>`.
 * @returns `symphony_session_<port>`.
 */
export function sessionCookie(host: string): string {
  return `symphony_session_${host.slice(host.lastIndexOf(":") + 1)}`;
}

/** What the API's handlers find in the context: the request's session. */
export interface ApiEnv {
  Variables: {
    session: Session;
    /** Who the session is in the audit trail: `ui:<role>#<n> (<the host's actor>)`. */
    actor: string;
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a request without a live session (401), and a state-changing one
 * without the session's CSRF token (403).
 *
 * @param sessions The server's sessions.
 * @returns The middleware; it sets `session` in the context.
 */
export function sessionGuard(
  sessions: SessionStore,
  cookie: string,
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const session = sessions.find(getCookie(c, cookie));
    if (session === undefined) {
      return errorResponse(
        c,
        new SymphonyError(
          "PermissionDenied",
          "Cannot answer: no session; open the URL with the token that symphony dev printed",
        ),
        401,
      );
    }
    if (
      !SAFE_METHODS.has(c.req.method) &&
      !sameSecret(c.req.header("x-csrf-token"), session.csrfToken)
    ) {
      return errorResponse(
        c,
        new SymphonyError(
          "PermissionDenied",
          `Cannot ${c.req.method} ${c.req.path}: the X-CSRF-Token header is missing or wrong (GET /api/session gives it)`,
        ),
      );
    }
    c.set("session", session);
    await next();
  };
}
