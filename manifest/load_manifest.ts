/**
 * Reads a manifest from disk: finds it in a directory, refuses files that are
 * too large or not text, resolves `extends`, validates, and checks that the
 * entry module is inside the extension directory.
 *
 * @module
 */
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { SymphonyError } from "../symphony_error.ts";
import { migrateManifest, type MigrateManifestOptions } from "./migrate_manifest.ts";
import { type ManifestFormat, parseManifestText } from "./parse_manifest_text.ts";
import type { Problem } from "./problem.ts";
import {
  type ManifestValidation,
  validateManifest,
  type ValidateManifestOptions,
} from "./validate_manifest.ts";

/** The largest manifest file accepted, in bytes (1 MiB). */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** The longest `extends` chain accepted. */
export const MAX_EXTENDS_DEPTH = 16;

/** The file names looked for in an extension directory, in order. */
export const MANIFEST_FILE_NAMES = ["extension.toml", "extension.json"] as const;

/** A validated (or rejected) manifest and where it was read from. */
export type LoadedManifest = ManifestValidation & {
  /** The absolute path of the manifest file. */
  file: string;
  /** The absolute path of the extension directory (the manifest's directory). */
  dir: string;
};

/**
 * Loads and validates the manifest of an extension directory or a manifest
 * file. Problems in the manifest are reported in the result, all of them.
 *
 * @param path An extension directory, or the path of `extension.toml` / `extension.json`.
 * @param options The host version and migration chain used in validation.
 * @returns The validation result with the file and directory it came from.
 * @throws {SymphonyError} `NotFound` when there is no manifest at `path`, `InvalidManifest`
 *   when a directory holds both manifest files.
 *
 * @example
 * ```ts
 * import { loadManifest } from "./load_manifest.ts";
 * import assert from "node:assert/strict";
 *
 * const loaded = await loadManifest(new URL("../tests/fixtures/operator", import.meta.url).pathname);
 * assert.ok(loaded.ok);
 * assert.equal(loaded.manifest.id, "acme.formatter");
 * ```
 */
export async function loadManifest(
  path: string,
  options: ValidateManifestOptions = {},
): Promise<LoadedManifest> {
  const file = await findManifestFile(resolve(path));
  const dir = dirname(file);
  const raw = await readWithParents(file, options);
  if (!raw.ok) return { ok: false, problems: raw.problems, warnings: [], file, dir };
  const result = validateManifest(raw.manifest, options);
  if (!result.ok) return { ...result, file, dir };
  const problem = await checkEntry(dir, result.manifest.entry);
  return problem === undefined
    ? { ...result, file, dir }
    : { ok: false, problems: [problem], warnings: result.warnings, file, dir };
}

async function findManifestFile(path: string): Promise<string> {
  const info = await statOrUndefined(path);
  if (info === undefined) {
    throw new SymphonyError("NotFound", `Cannot read manifest: ${path} does not exist`);
  }
  if (!info.isDirectory) return path;
  const found: string[] = [];
  for (const name of MANIFEST_FILE_NAMES) {
    if ((await statOrUndefined(join(path, name)))?.isFile) found.push(join(path, name));
  }
  const [first] = found;
  if (found.length > 1) {
    throw new SymphonyError(
      "InvalidManifest",
      `Cannot read manifest: ${path} has both ${MANIFEST_FILE_NAMES.join(" and ")}; keep one`,
    );
  }
  if (first === undefined) {
    throw new SymphonyError(
      "NotFound",
      `Cannot read manifest: ${path} has no ${MANIFEST_FILE_NAMES.join(" or ")}`,
    );
  }
  return first;
}

type RawResult = { ok: true; manifest: Record<string, unknown> } | {
  ok: false;
  problems: Problem[];
};

// Reads a manifest and its `extends` parents, brings each file to the current
// manifest_version, and merges them: the child wins.
async function readWithParents(file: string, options: MigrateManifestOptions): Promise<RawResult> {
  const chain: { label: string; fields: Record<string, unknown> }[] = [];
  const seen: string[] = [];
  let current = file;
  let label = basename(file);
  const fail = (message: string): RawResult => ({
    ok: false,
    problems: [{ path: "extends", message }],
  });
  for (;;) {
    const real = await Deno.realPath(current);
    if (seen.includes(real)) {
      const cycle = [...seen, real].map((p) => relative(dirname(file), p) || ".").join(" -> ");
      return fail(`forms a cycle: ${cycle}`);
    }
    seen.push(real);
    if (seen.length > MAX_EXTENDS_DEPTH + 1) {
      return fail(`chain is longer than ${MAX_EXTENDS_DEPTH} files`);
    }
    const parsed = await readManifestFile(current, label);
    if (!parsed.ok) return parsed;
    const { extends: parent, ...fields } = parsed.manifest;
    chain.push({ label, fields });
    if (parent === undefined) break;
    if (typeof parent !== "string" || parent === "") {
      return fail("must be the path of another manifest file");
    }
    const next = resolve(dirname(current), parent);
    const info = await statOrUndefined(next);
    if (info === undefined) {
      return fail(`the parent manifest ${parent} does not exist (in ${label})`);
    }
    if (!info.isFile) return fail(`the parent manifest ${parent} is not a file (in ${label})`);
    current = next;
    label = parent;
  }
  // A parent without manifest_version is read in the version of the file that extends it.
  const migrated: Record<string, unknown>[] = [];
  let inherited: unknown;
  for (const { label, fields } of chain) {
    const version = fields["manifest_version"] ?? inherited;
    inherited = version;
    if (version === undefined) {
      migrated.push(fields);
      continue;
    }
    const result = migrateManifest({ ...fields, manifest_version: version }, options);
    if (!result.ok) {
      // The manifest itself goes on to validation, which reports this along with the rest.
      if (label === basename(file)) {
        migrated.push(fields);
        continue;
      }
      return {
        ok: false,
        problems: [{ ...result.problem, message: `${result.problem.message} (in ${label})` }],
      };
    }
    migrated.push(result.manifest);
  }
  return {
    ok: true,
    manifest: migrated.reduceRight((merged, child) => mergeFields(merged, child, 0), {}),
  };
}

async function readManifestFile(path: string, label: string): Promise<RawResult> {
  const format: ManifestFormat | undefined = path.endsWith(".toml")
    ? "toml"
    : path.endsWith(".json")
    ? "json"
    : undefined;
  const fail = (message: string): RawResult => ({
    ok: false,
    problems: [{ path: label, message }],
  });
  if (format === undefined) return fail("a manifest file name must end in .toml or .json");
  // Devices and pipes never end: only a regular file is read.
  if (!(await Deno.stat(path)).isFile) return fail("is not a regular file");
  const bytes = await readAtMost(path, MAX_MANIFEST_BYTES);
  if (bytes === undefined) {
    return fail(`is larger than ${MAX_MANIFEST_BYTES} bytes, the most a manifest may be`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (cause) {
    if (cause instanceof TypeError) return fail("is not UTF-8 text");
    throw cause;
  }
  const parsed = parseManifestText(text, { format, file: label });
  return parsed.ok ? { ok: true, manifest: parsed.raw } : { ok: false, problems: [parsed.problem] };
}

// The file's bytes, or undefined when it holds more than `limit`: a file that
// grows while it is read cannot make the host read without end.
async function readAtMost(path: string, limit: number): Promise<Uint8Array | undefined> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(limit + 1);
  let filled = 0;
  while (filled < buffer.length) {
    const read = await file.read(buffer.subarray(filled));
    if (read === null) break;
    filled += read;
  }
  return filled > limit ? undefined : buffer.subarray(0, filled);
}

// Tables merge key by key; anything else (arrays included) is replaced by the child's value.
function mergeFields(
  parent: Record<string, unknown>,
  child: Record<string, unknown>,
  depth: number,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...parent };
  for (const [key, value] of Object.entries(child)) {
    const base = merged[key];
    merged[key] = isTable(base) && isTable(value) && depth < 32
      ? mergeFields(base, value, depth + 1)
      : value;
  }
  return merged;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function checkEntry(dir: string, entry: string): Promise<Problem | undefined> {
  const path = join(dir, entry);
  const info = await statOrUndefined(path);
  if (info === undefined) {
    return { path: "entry", message: `the file ${entry} does not exist in ${dir}` };
  }
  if (!info.isFile) return { path: "entry", message: `${entry} is not a file` };
  const [realDir, realEntry] = await Promise.all([Deno.realPath(dir), Deno.realPath(path)]);
  const inside = relative(realDir, realEntry);
  if (inside === "" || inside === ".." || inside.startsWith("../") || isAbsolute(inside)) {
    return {
      path: "entry",
      message: `${entry} resolves outside the extension directory: ${realEntry}`,
    };
  }
  return undefined;
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw error;
  }
}
