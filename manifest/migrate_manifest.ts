/**
 * Manifest format migrations: a manifest written for an older
 * `manifest_version` is rewritten, one version at a time, into the format this
 * host reads.
 *
 * @module
 */
import { CURRENT_MANIFEST_VERSION } from "./manifest_schema.ts";
import type { Problem } from "./problem.ts";

/** A raw manifest: the parsed file, before validation. */
export type RawManifest = Record<string, unknown>;

/** Rewrites a manifest of version `from` into version `from + 1`. */
export interface ManifestMigration {
  /** The version this step reads. */
  from: number;
  /** Returns the manifest in the next version's format; must not mutate its input. */
  migrate(manifest: RawManifest): RawManifest;
}

/**
 * The migrations this host knows, one per old version. Version 1 is the first
 * format and the current one, so the chain is empty; version 2 will add the
 * step `{ from: 1, migrate }` here.
 */
export const MANIFEST_MIGRATIONS: readonly ManifestMigration[] = [];

/** Options for {@linkcode migrateManifest}. */
export interface MigrateManifestOptions {
  /** The migration chain. Default: {@linkcode MANIFEST_MIGRATIONS}. */
  migrations?: readonly ManifestMigration[];
  /** The version to migrate to. Default: {@linkcode CURRENT_MANIFEST_VERSION}. */
  target?: number;
}

/** The outcome of {@linkcode migrateManifest}. */
export type MigrationResult =
  | { ok: true; manifest: RawManifest; from: number }
  | { ok: false; problem: Problem };

/**
 * Brings a raw manifest to the target `manifest_version` by running each
 * migration step in turn.
 *
 * @param manifest The raw manifest; it is not modified.
 * @param options The chain and the target version.
 * @returns The migrated manifest and the version it started from, or the problem.
 *
 * @example A current manifest passes through unchanged
 * ```ts
 * import { migrateManifest } from "./migrate_manifest.ts";
 * import assert from "node:assert/strict";
 *
 * const raw = { manifest_version: 1, id: "acme.x" };
 * assert.deepEqual(migrateManifest(raw), { ok: true, manifest: raw, from: 1 });
 * ```
 */
export function migrateManifest(
  manifest: RawManifest,
  options: MigrateManifestOptions = {},
): MigrationResult {
  const { migrations = MANIFEST_MIGRATIONS, target = CURRENT_MANIFEST_VERSION } = options;
  const from = manifest["manifest_version"];
  const fail = (message: string): MigrationResult => ({
    ok: false,
    problem: { path: "manifest_version", message },
  });
  if (from === undefined) return fail(`is required; this host reads version ${target}`);
  if (typeof from !== "number" || !Number.isInteger(from) || from < 1) {
    return fail(`must be a whole number from 1 to ${target}, got ${show(from)}`);
  }
  if (from > target) {
    return fail(
      `version ${from} is newer than this host reads (${target}); update Symphony to use this extension`,
    );
  }
  let current = manifest;
  for (let version = from; version < target; version++) {
    const step = migrations.find((m) => m.from === version);
    if (step === undefined) return fail(`cannot migrate from version ${version}: no migration`);
    current = { ...step.migrate(current), manifest_version: version + 1 };
  }
  return { ok: true, manifest: current, from };
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) {
    return Array.isArray(value) ? "an array" : "a table";
  }
  return String(value);
}
