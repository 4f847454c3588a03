/**
 * `/api/extensions/:id/panel`: the panel of a motif extension. The motif's
 * `render` method (input `null`) answers with a tree of plain JSON nodes, its
 * `event` method (input `{ id, kind, value? }`) answers a click or an input
 * with a new tree; both trees are checked by {@linkcode motifTree} before
 * they reach the browser.
 *
 * Viewers see panels but do not send events: an event runs the motif's code
 * with its grants and may change what it keeps (files, settings), and a
 * viewer session only reads. Events need the admin role and the CSRF token,
 * like every other change.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Conductor } from "../../conductor/mod.ts";
import { SymphonyError } from "../../symphony_error.ts";
import { adminOnly } from "./_admin_only.ts";
import { errorResponse } from "./_error_response.ts";
import { extensionId } from "./_extension_id.ts";
import { motifTree } from "./_motif_tree.ts";
import { readBody } from "./_read_body.ts";
import type { ApiEnv } from "./_session_guard.ts";

/** The body of `POST /api/extensions/:id/panel/event`, passed to the motif's `event` method. */
const eventBody = z.strictObject({
  /** The `id` prop of the button or input. */
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/),
  kind: z.enum(["click", "input"]),
  /** The input's new value (kind `input`). */
  value: z.string().max(10_000).optional(),
});

/** A motif's tree that failed the check: a fault of the extension, not of the host. */
const INVALID_OUTPUT_STATUS = 502;

/**
 * The motif panel endpoints, to mount at `/api/extensions`.
 *
 * - `GET /:id/panel` → `{ id, tree }` from the motif's `render`. A viewer sees
 *   the panel of a running motif only: starting one is an admin's change
 *   (`PermissionDenied`, 403).
 * - `POST /:id/panel/event` (admin) `{ id, kind, value? }` → `{ id, tree }` from its `event`.
 *
 * A refused tree is `InvalidOutput` (502); an extension that is not a motif is `NotFound`.
 *
 * @param conductor The host.
 * @returns The routes.
 */
export function motifRoutes(conductor: Conductor): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const motif = async (id: string): Promise<void> => {
    const installed = await conductor.get(id);
    if (installed.manifest.type !== "motif") {
      throw new SymphonyError(
        "NotFound",
        `Cannot show the panel of ${id}: it is an ${installed.manifest.type}, not a motif`,
      );
    }
  };
  const answer = async (id: string, method: string, input: unknown): Promise<unknown> => {
    await motif(id);
    const result = await conductor.call(id, method, input);
    return { id, tree: motifTree(result, `${id} ${method}`) };
  };
  const refused = (error: unknown): error is SymphonyError =>
    error instanceof SymphonyError && error.code === "InvalidOutput";

  app.get("/:id/panel", async (c) => {
    const id = extensionId(c);
    if (c.get("session").role !== "admin" && !conductor.isRunning(id)) {
      await motif(id);
      throw new SymphonyError(
        "PermissionDenied",
        `Cannot show the panel of ${id}: it is not running, and only an admin may start it`,
      );
    }
    try {
      return c.json(await answer(id, "render", null));
    } catch (error) {
      if (refused(error)) return errorResponse(c, error, INVALID_OUTPUT_STATUS);
      throw error;
    }
  });

  app.post("/:id/panel/event", adminOnly, async (c) => {
    const id = extensionId(c);
    const event = await readBody(c, eventBody);
    try {
      return c.json(await answer(id, "event", event));
    } catch (error) {
      if (refused(error)) return errorResponse(c, error, INVALID_OUTPUT_STATUS);
      throw error;
    }
  });

  return app;
}
