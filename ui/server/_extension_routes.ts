/**
 * `/api/extensions`: the installed extensions, and what an admin changes of
 * them (lifecycle actions, grants, settings, trust tier) or asks of them (a
 * call to one of their methods).
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  type ActorOptions,
  type Conductor,
  PERMISSION_KINDS,
  SETTING_LEVELS,
} from "../../conductor/mod.ts";
import { TRUST_TIERS } from "../../sandbox/mod.ts";
import { adminOnly } from "./_admin_only.ts";
import { extensionDetail } from "./_extension_detail.ts";
import { extensionId } from "./_extension_id.ts";
import { extensionPermissions } from "./_extension_permissions.ts";
import { extensionSummary } from "./_extension_summary.ts";
import { readBody } from "./_read_body.ts";
import type { ApiEnv } from "./_session_guard.ts";

const permissionValue = z.string().min(1).max(4_096);
const grantBody = z.strictObject({ kind: z.enum(PERMISSION_KINDS), value: permissionValue });
const revokeBody = z.strictObject({
  kind: z.enum(PERMISSION_KINDS),
  /** Omitted: every value of the kind. */
  value: permissionValue.optional(),
});
const settingsBody = z.strictObject({
  level: z.enum(SETTING_LEVELS),
  /** Setting name → value; null clears the setting at this level. */
  values: z.record(z.string().min(1).max(200), z.unknown()),
});
const trustBody = z.strictObject({ tier: z.enum(TRUST_TIERS) });
const callBody = z.strictObject({
  method: z.string().min(1).max(200),
  /** A JSON value; omitted: null. */
  input: z.unknown().optional(),
});

const WHO = "an admin in the web UI";

/**
 * The extension endpoints, to mount at `/api/extensions`.
 *
 * @param conductor The host.
 * @returns The routes.
 */
export function extensionRoutes(conductor: Conductor): Hono<ApiEnv> {
  const actions: Record<string, (id: string, as: ActorOptions) => Promise<unknown>> = {
    start: (id) => conductor.start(id),
    stop: (id) => conductor.stop(id, `stopped by ${WHO}`),
    restart: async (id) => {
      await conductor.stop(id, `restarted by ${WHO}`);
      await conductor.start(id);
    },
    enable: (id, as) => conductor.enable(id, WHO, as),
    disable: (id, as) => conductor.disable(id, `disabled by ${WHO}`, as),
    suspend: (id, as) => conductor.suspend(id, as),
    resume: (id, as) => conductor.resume(id, as),
  };
  const app = new Hono<ApiEnv>();

  app.get("/", async (c) => {
    const installed = await conductor.list();
    return c.json({
      extensions: await Promise.all(installed.map((e) => extensionSummary(conductor, e))),
    });
  });

  app.get("/:id", async (c) => c.json(await extensionDetail(conductor, extensionId(c))));

  app.post(
    "/:id/:action{start|stop|restart|enable|disable|suspend|resume}",
    adminOnly,
    async (c) => {
      const id = extensionId(c);
      await conductor.get(id); // NotFound before anything is done
      await actions[c.req.param("action")]?.(id, { actor: c.get("actor") });
      return c.json({ id, state: await conductor.state(id) });
    },
  );

  app.post("/:id/grants", adminOnly, async (c) => {
    const id = extensionId(c);
    const { kind, value } = await readBody(c, grantBody);
    await conductor.grant(id, kind, value, { actor: c.get("actor") });
    return c.json({ id, permissions: await extensionPermissions(conductor, id) });
  });

  app.delete("/:id/grants", adminOnly, async (c) => {
    const id = extensionId(c);
    const { kind, value } = await readBody(c, revokeBody);
    await conductor.revoke(id, kind, value, { actor: c.get("actor") });
    return c.json({ id, permissions: await extensionPermissions(conductor, id) });
  });

  app.put("/:id/settings", adminOnly, async (c) => {
    const id = extensionId(c);
    const { level, values } = await readBody(c, settingsBody);
    const changes = Object.fromEntries(
      Object.entries(values).map(([name, value]) => [name, value ?? undefined]),
    );
    await conductor.setSettings(id, level, changes);
    const settings = await conductor.settings(id);
    return c.json({ id, values: settings.merged, levels: settings.levels });
  });

  // The host calls, as `symphony call` does: the same checks of the input and
  // result against the manifest's schemas, the same sandbox.
  app.post("/:id/call", adminOnly, async (c) => {
    const id = extensionId(c);
    const { method, input } = await readBody(c, callBody);
    // A browser that goes away cancels the call.
    const result = await conductor.call(id, method, input ?? null, { signal: c.req.raw.signal });
    return c.json({ id, method, result: result ?? null });
  });

  app.post("/:id/trust", adminOnly, async (c) => {
    const id = extensionId(c);
    const { tier } = await readBody(c, trustBody);
    await conductor.setTrust(id, tier, { actor: c.get("actor") });
    return c.json({ id, trust: tier });
  });

  return app;
}
