/**
 * Validation of a parsed manifest: migration to the current format, the
 * schema, checks across fields, and the requests that escape the sandbox.
 *
 * @module
 */
import { SYMPHONY_VERSION } from "../version.ts";
import { supportsHost } from "./supports_host.ts";
import { crossChecks } from "./_cross_checks.ts";
import { formatIssues } from "./_format_issues.ts";
import { type Manifest, manifestSchema } from "./manifest_schema.ts";
import { migrateManifest, type MigrateManifestOptions } from "./migrate_manifest.ts";
import { formatFieldPath, type Problem } from "./problem.ts";
import { type SandboxEscape, sandboxEscapes } from "./sandbox_escapes.ts";

/** The deepest nesting a manifest may have; real manifests stay far below. */
export const MAX_MANIFEST_DEPTH = 32;

/** The outcome of validating a manifest. */
export type ManifestValidation =
  | {
    ok: true;
    /** The manifest with defaults filled in and paths normalised. */
    manifest: Manifest;
    /** Problems that do not make it invalid, such as an engines mismatch. */
    warnings: Problem[];
    /** Requests that would let it out of the sandbox, for trust checks to refuse. */
    escapes: SandboxEscape[];
  }
  | { ok: false; problems: Problem[]; warnings: Problem[] };

/** Options for {@linkcode validateManifest}. */
export interface ValidateManifestOptions extends MigrateManifestOptions {
  /** The host version `engines.symphony` is checked against. Default: this host's version. */
  hostVersion?: string;
}

/**
 * Validates a parsed manifest and reports every problem, not just the first.
 * It never throws for any input.
 *
 * @param raw The parsed manifest (the result of reading TOML or JSON).
 * @param options The host version and migration chain.
 * @returns The validated manifest, or every problem found.
 *
 * @example
 * ```ts
 * import { validateManifest } from "./validate_manifest.ts";
 * import assert from "node:assert/strict";
 *
 * const result = validateManifest({
 *   manifest_version: 1,
 *   id: "acme.formatter",
 *   name: "Formatter",
 *   version: "1.0.0",
 *   type: "operator",
 *   entry: "main.ts",
 *   permissions: { read: ["${workspace}/../etc"], wrte: [] },
 *   operator: { functions: [{ name: "format" }] },
 * });
 * assert.equal(result.ok, false);
 * assert.deepEqual(!result.ok && result.problems, [
 *   { path: "permissions.read[0]", message: 'path leaves ${workspace} after resolving "..": /etc' },
 *   { path: "permissions.wrte", message: 'unknown key (did you mean "write"?)' },
 * ]);
 * ```
 */
export function validateManifest(
  raw: unknown,
  options: ValidateManifestOptions = {},
): ManifestValidation {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return fail([{
      path: "manifest",
      message: 'must be a table of fields, such as id = "acme.x"',
    }]);
  }
  const tooDeep = findTooDeep(raw);
  if (tooDeep !== undefined) {
    return fail([{
      path: tooDeep,
      message: `is nested more than ${MAX_MANIFEST_DEPTH} levels deep`,
    }]);
  }
  const problems: Problem[] = [];
  let manifest = raw as Record<string, unknown>;
  if (manifest["extends"] !== undefined) {
    problems.push({
      path: "extends",
      message: "can only be resolved when the manifest is loaded from a file",
    });
    const { extends: _, ...rest } = manifest;
    manifest = rest;
  }
  const migrated = migrateManifest(manifest, options);
  if (migrated.ok) manifest = migrated.manifest;
  else problems.push(migrated.problem);

  const parsed = manifestSchema.safeParse(manifest, { reportInput: true });
  if (!parsed.success) {
    const issues = migrated.ok
      ? parsed.error.issues
      : parsed.error.issues.filter((issue) => issue.path[0] !== "manifest_version");
    problems.push(...formatIssues(issues));
  }
  problems.push(...crossChecks(manifest));
  if (!parsed.success || problems.length > 0) return fail(dedupe(problems));

  const hostVersion = options.hostVersion ?? SYMPHONY_VERSION;
  const warnings = engineWarnings(parsed.data, hostVersion);
  return { ok: true, manifest: parsed.data, warnings, escapes: sandboxEscapes(parsed.data) };
}

function engineWarnings(manifest: Manifest, hostVersion: string): Problem[] {
  const range = manifest.engines?.symphony;
  if (range === undefined) {
    return [{
      path: "engines.symphony",
      message: "is not declared: the extension may not run on this host",
    }];
  }
  return supportsHost(range, hostVersion) ? [] : [{
    path: "engines.symphony",
    message: `"${range}" does not include this host's version ${hostVersion}`,
  }];
}

function fail(problems: Problem[]): ManifestValidation {
  return { ok: false, problems, warnings: [] };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

// Breadth-first, so that hostile nesting cannot overflow the stack.
function findTooDeep(root: object): string | undefined {
  let level: { value: unknown; path: PropertyKey[] }[] = [{ value: root, path: [] }];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > MAX_MANIFEST_DEPTH) {
      return formatFieldPath(level[0]?.path.slice(0, 3) ?? []) + "...";
    }
    const next: typeof level = [];
    for (const { value, path } of level) {
      if (typeof value !== "object" || value === null) continue;
      for (const [key, child] of Object.entries(value)) {
        if (typeof child === "object" && child !== null) {
          next.push({ value: child, path: [...path, Array.isArray(value) ? Number(key) : key] });
        }
      }
    }
    level = next;
  }
  return undefined;
}
