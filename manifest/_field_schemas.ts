// Field schemas that several manifest sections share.
import { posix } from "node:path";
// @ts-types="@types/semver"
import * as semver from "semver";
import { z } from "zod";
import { unsafeCharacters } from "./_unsafe_characters.ts";

/** The extension id rule: lower-case, dot-separated, at least two parts, at most 64 characters. */
export const EXTENSION_ID = /^[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+$/;

/** An extension id such as `acme.formatter`. */
export const extensionIdSchema = z.string().max(64, "must be at most 64 characters").regex(
  EXTENSION_ID,
  'must be lower-case, dot-separated parts of letters, digits and "-", at least two parts, such as "acme.formatter"',
);

/** A semantic version such as `1.2.0` (strict: no leading `v`, no spaces). */
export const semverVersionSchema = z.string().refine(
  (value) => {
    const parsed = semver.parse(value);
    const build = parsed?.build.length ? `+${parsed.build.join(".")}` : "";
    return parsed !== null && `${parsed.version}${build}` === value;
  },
  { error: (issue) => `"${String(issue.input)}" is not a semantic version such as "1.2.0"` },
);

/** A semver range such as `^1.2.0`. */
export const semverRangeSchema = z.string().trim().min(1, "range is empty").refine(
  (value) => semver.validRange(value) !== null,
  { error: (issue) => `"${String(issue.input)}" is not a valid semver range such as "^1.2.0"` },
);

/**
 * A relative path to a file inside the extension directory, normalised.
 * Absolute paths and paths that leave the directory are rejected.
 */
export const relativeFileSchema = z.string().min(1, "path is empty").check((ctx) => {
  const value = ctx.value;
  const unsafe = unsafeCharacters(value, "path");
  if (unsafe !== undefined) {
    ctx.issues.push({ code: "custom", input: value, message: unsafe });
  } else if (value.startsWith("/") || /^[a-z]:[\\/]/i.test(value) || value.includes("\\")) {
    ctx.issues.push({
      code: "custom",
      input: value,
      message:
        `must be a relative path with "/" separators inside the extension directory, got "${value}"`,
    });
  } else {
    const normalized = posix.normalize(value);
    if (normalized === ".." || normalized.startsWith("../") || normalized === ".") {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `path leaves the extension directory after resolving "..": ${value}`,
      });
    }
  }
}).transform((value) => posix.normalize(value));

/** An event topic such as `format.done`: dot-separated parts, no wildcards. */
export const topicSchema = z.string().regex(
  /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/i,
  'must be dot-separated parts of letters, digits, "_" and "-", such as "file.saved"',
);

/** A topic pattern such as `file.*`: a topic in which a whole part may be `*`. */
export const topicPatternSchema = z.string().regex(
  /^(?:[a-z0-9_-]+|\*)(?:\.(?:[a-z0-9_-]+|\*))*$/i,
  'must be dot-separated parts, each a name or "*", such as "file.*"',
);

const JSON_TYPES = ["string", "number", "integer", "boolean", "object", "array", "null"];

/**
 * A JSON Schema object describing a JSON value. The host checks values against
 * it, so it must be one the host can build, and it may hold no regular
 * expression (`pattern`, `patternProperties`): one from an untrusted manifest
 * can take exponential time to match, and the host must never hang on one.
 */
export const jsonSchemaSchema = z.record(z.string(), z.unknown()).check((ctx) => {
  const type = ctx.value["type"];
  const types = type === undefined ? [] : Array.isArray(type) ? type : [type];
  for (const t of types) {
    if (typeof t !== "string" || !JSON_TYPES.includes(t)) {
      ctx.issues.push({
        code: "custom",
        input: type,
        path: ["type"],
        message: `must be one of ${JSON_TYPES.map((j) => `"${j}"`).join(", ")}, got ${
          JSON.stringify(t)
        }`,
      });
    }
  }
  const regex = findKey(ctx.value, ["pattern", "patternProperties"], []);
  if (regex !== undefined) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      path: regex,
      message:
        "regular expressions are not allowed in schemas: matching one can take exponential time",
    });
    return;
  }
  if (ctx.issues.length > 0) return;
  try {
    z.fromJSONSchema(ctx.value as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `is not a JSON Schema this host can check: ${(error as Error).message}`,
    });
  }
});

// The path of the first key named one of `names`, depth first; manifests are
// at most 32 levels deep, so recursion is bounded.
function findKey(
  value: unknown,
  names: readonly string[],
  path: PropertyKey[],
): PropertyKey[] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    if (!Array.isArray(value) && names.includes(key)) return at;
    const found = findKey(child, names, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A short, non-empty single line of text such as a name or title. */
export const labelSchema = z.string().trim().min(1, "must not be empty").max(
  200,
  "must be at most 200 characters",
).refine((value) => !/[\r\n]/.test(value), "must be a single line");
