/**
 * What only an admin may do: grants, trust, installs, enable and disable,
 * start, stop, restart, suspend and resume, settings.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { SymphonyError } from "../../symphony_error.ts";
import { errorResponse } from "./_error_response.ts";
import type { ApiEnv } from "./_session_guard.ts";

/** Refuses the request with 403 `PermissionDenied` unless the session is an admin's. */
export const adminOnly: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const { role } = c.get("session");
  if (role !== "admin") {
    return errorResponse(
      c,
      new SymphonyError(
        "PermissionDenied",
        `Cannot ${c.req.method} ${c.req.path}: it needs the admin role, and this session is a ${role}`,
      ),
    );
  }
  await next();
};
