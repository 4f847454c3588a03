/**
 * The first check of every request: it must be addressed to the bound
 * address (a `Host` naming another, as a DNS rebinding attack sends, is
 * refused), and a browser's `Origin`, when sent, must be this server's.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { SymphonyError } from "../../symphony_error.ts";
import { errorResponse } from "./_error_response.ts";

/**
 * Refuses requests for another host or from another origin, with 403.
 *
 * @param host The bound address, `127.0.0.1:<port>`.
 * @returns The middleware.
 */
export function originGuard(host: string): MiddlewareHandler {
  const bound = host.toLowerCase();
  const origin = `http://${bound}`;
  return async (c, next) => {
    const asked = (c.req.header("host") ?? new URL(c.req.url).host).toLowerCase();
    if (asked !== bound) {
      return errorResponse(
        c,
        new SymphonyError(
          "PermissionDenied",
          `Cannot answer a request for ${JSON.stringify(asked)}: this server answers only ${bound}`,
        ),
      );
    }
    const from = c.req.header("origin");
    if (from !== undefined && from.toLowerCase() !== origin) {
      return errorResponse(
        c,
        new SymphonyError(
          "PermissionDenied",
          `Cannot answer a request from ${JSON.stringify(from)}: only pages of ${origin} may call`,
        ),
      );
    }
    await next();
  };
}
