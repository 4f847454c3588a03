/**
 * Installing and uninstalling from the web UI: the permission review of a
 * package directory on this machine, the install (or update) with the
 * admin's selection of grants, and the uninstall. Every step is the kit's
 * own: {@linkcode verifyPackage}, {@linkcode installReview},
 * {@linkcode installExtension}, {@linkcode uninstallExtension}.
 *
 * @module
 */
import { resolve } from "node:path";
import { Hono } from "hono";
import { z } from "zod";
import {
  type Conductor,
  PERMISSION_KINDS,
  type PermissionKind,
  policyAllowsRun,
} from "../../conductor/mod.ts";
import { type Manifest, sandboxEscapes } from "../../manifest/mod.ts";
import { SymphonyError } from "../../symphony_error.ts";
import { adminOnly } from "./_admin_only.ts";
import { errorResponse } from "./_error_response.ts";
import { extensionId } from "./_extension_id.ts";
import { extensionPermissions } from "./_extension_permissions.ts";
import { readBody } from "./_read_body.ts";
import type { ApiEnv } from "./_session_guard.ts";

// kit/mod.ts imports the command line, whose dev command imports this UI: the
// kit is loaded on first use, so that the module graph has no cycle.
const kit = (): Promise<typeof import("../../kit/mod.ts")> => import("../../kit/mod.ts");

const dir = z.string().min(1).max(4_096);
const reviewBody = z.strictObject({ dir });
const installBody = z.strictObject({
  dir,
  /**
   * The admin's selection, kind → values, each one the manifest requests;
   * a kind left out grants nothing of it. Omitted: grant what is requested.
   */
  grants: z.partialRecord(
    z.enum(PERMISSION_KINDS),
    z.array(z.string().min(1).max(4_096)).max(1_000),
  ).optional(),
});
const uninstallBody = z.strictObject({
  /** Uninstall even though other extensions depend on it. Default: false. */
  force: z.boolean().optional(),
  /** Keep its data directory. Default: false. */
  keepData: z.boolean().optional(),
});

/** One requested permission in the review. */
interface ReviewRequest {
  kind: PermissionKind;
  value: string;
  /** What it lets the extension do, in plain words. */
  words: string;
  /** Why it escapes the sandbox, when it does. */
  danger?: string;
}

/**
 * The install endpoints, to mount at `/api`: `POST /install/review`,
 * `POST /install`, `POST /extensions/:id/uninstall`, all admin only.
 *
 * @param conductor The host.
 * @returns The routes.
 */
export function installRoutes(conductor: Conductor): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const installedAs = async (id: string) =>
    (await conductor.list()).find((installed) => installed.id === id);

  app.post("/install/review", adminOnly, async (c) => {
    const { installReview, permissionReview, verifyPackage } = await kit();
    const { manifest } = await verifyPackage(resolve((await readBody(c, reviewBody)).dir), {
      allowRun: policyAllowsRun(await conductor.policy()),
    });
    const previous = await installedAs(manifest.id);
    const review = installReview(manifest, previous);
    const escapes = sandboxEscapes(manifest);
    const requests: ReviewRequest[] = requested(manifest).map(({ kind, value }) => {
      const danger = escapes.find((e) => e.kind === kind && e.value === value)?.reason;
      const words = wordsOf(permissionReview, manifest, kind, value);
      return { kind, value, words, ...(danger ? { danger } : {}) };
    });
    return c.json({
      id: manifest.id,
      name: manifest.name,
      version: manifest.version,
      type: manifest.type,
      tier: (await conductor.policy()).tier,
      requests,
      notAsked: /^It did not ask to: (.*)\.$/m.exec(review.text)?.[1]?.split(", ") ?? [],
      dangerous: escapes.map(({ kind, value, reason }) => ({ kind, value, reason })),
      text: review.text,
      update: previous === undefined ? null : { from: previous.version, added: review.added },
    });
  });

  app.post("/install", adminOnly, async (c) => {
    const { installExtension, verifyPackage } = await kit();
    const body = await readBody(c, installBody);
    const path = resolve(body.dir);
    const { manifest } = await verifyPackage(path, {
      allowRun: policyAllowsRun(await conductor.policy()),
    });
    const { grants } = body;
    if (grants !== undefined) {
      for (const [kind, values] of Object.entries(grants) as [PermissionKind, string[]][]) {
        const asked: readonly string[] = manifest.permissions[kind];
        const extra = values.filter((value) => !asked.includes(value));
        if (extra.length > 0) {
          throw new SymphonyError(
            "InvalidInput",
            `Cannot install ${manifest.id}: grants.${kind} names ${
              extra.join(", ")
            }, which it does not request`,
          );
        }
      }
    }
    const update = (await installedAs(manifest.id)) !== undefined;
    // A new install is written with the admin's grants in one commit: it
    // never holds more, not even for a moment.
    const installed = await installExtension(path, {
      conductor,
      confirm: () => Promise.resolve(true),
      actor: c.get("actor"),
      ...(update ? { update } : {}),
      ...(grants === undefined || update ? {} : { grants }),
    });
    if (installed === undefined) {
      throw new SymphonyError("Internal", `Cannot install ${manifest.id}: it was not confirmed`);
    }
    if (grants !== undefined && update) {
      for (const { kind, value } of requested(manifest)) {
        if (!(grants[kind] ?? []).includes(value)) {
          await conductor.revoke(manifest.id, kind, value, { actor: c.get("actor") });
        }
      }
    }
    const record = await conductor.get(manifest.id);
    return c.json({
      id: manifest.id,
      version: manifest.version,
      update,
      disabled: record.disabled ?? null,
      permissions: await extensionPermissions(conductor, manifest.id),
    });
  });

  app.post("/extensions/:id/uninstall", adminOnly, async (c) => {
    const { uninstallExtension } = await kit();
    const id = extensionId(c);
    const { force, keepData } = await readBody(c, uninstallBody);
    try {
      return c.json(
        await uninstallExtension(id, {
          conductor,
          force: force === true,
          keepData: keepData === true,
          reason: "uninstalled by an admin in the web UI",
          actor: c.get("actor"),
        }),
      );
    } catch (error) {
      if (error instanceof SymphonyError && error.code === "DependencyError") {
        return errorResponse(c, error, 409);
      }
      throw error;
    }
  });

  return app;
}

/** Every permission the manifest requests, in its order. */
function requested(manifest: Manifest): { kind: PermissionKind; value: string }[] {
  return PERMISSION_KINDS.flatMap((kind) =>
    manifest.permissions[kind].map((value) => ({ kind, value }))
  );
}

/** The review's own words for one request: the review of a manifest asking only that. */
function wordsOf(
  permissionReview: (manifest: Manifest) => string,
  manifest: Manifest,
  kind: PermissionKind,
  value: string,
): string {
  const none = { read: [], write: [], net: [], env: [], sys: [], run: [] };
  const alone = { ...manifest, permissions: { ...manifest.permissions, ...none, [kind]: [value] } };
  const line = permissionReview(alone).split("\n")[1] ?? `${kind} ${value}`;
  return line.trim().replace(/\s+/, " ");
}
