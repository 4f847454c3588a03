/**
 * The rules for a `read` or `write` permission path that hold without knowing
 * where anything is installed: placeholders, normalisation, forbidden roots,
 * and characters that would corrupt Deno's `--allow-read=a,b` flag. The sandbox
 * applies them again once placeholders are expanded to real paths.
 *
 * @module
 */
import { posix } from "node:path";
import { unsafeCharacters } from "./_unsafe_characters.ts";

/** The placeholders a permission path may start with. */
export const PLACEHOLDERS = ["workspace", "ext_dir", "ext_data", "tmp"] as const;

/** A placeholder name, such as `workspace` for `${workspace}`. */
export type Placeholder = typeof PLACEHOLDERS[number];

/** The host directories no extension may name: they expose the host itself. */
export const FORBIDDEN_ROOTS = ["/proc", "/dev", "/sys"] as const;

/** The outcome of checking one permission path. */
export type PathCheck =
  | {
    ok: true;
    /** The path with `.`, `..`, repeated and trailing slashes resolved, placeholder kept. */
    normalized: string;
    /** The placeholder the path starts with; none for an absolute path or `*`. */
    placeholder?: Placeholder;
    /** True for `*` and `/`: the whole file system. */
    wildcard: boolean;
  }
  | { ok: false; message: string };

const PLACEHOLDER_PATH = /^\$\{([^}]*)\}(.*)$/s;

/**
 * Checks a `read` or `write` permission path and normalises it. A path is
 * `*`, a placeholder followed by a path inside it, or an absolute path.
 *
 * @param path The path as written in the manifest.
 * @returns The normalised path, or why it is rejected.
 *
 * @example A path that leaves its placeholder
 * ```ts
 * import { checkPermissionPath } from "./check_permission_path.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(checkPermissionPath("${workspace}/src/../lib/"), {
 *   ok: true,
 *   normalized: "${workspace}/lib",
 *   placeholder: "workspace",
 *   wildcard: false,
 * });
 * assert.deepEqual(checkPermissionPath("${workspace}/../etc"), {
 *   ok: false,
 *   message: 'path leaves ${workspace} after resolving "..": /etc',
 * });
 * ```
 */
export function checkPermissionPath(path: string): PathCheck {
  const bad = badCharacters(path);
  if (bad !== undefined) return { ok: false, message: bad };
  if (path === "*") return { ok: true, normalized: "*", wildcard: true };

  const match = PLACEHOLDER_PATH.exec(path);
  if (match !== null) {
    const [, name = "", rest = ""] = match;
    if (!isPlaceholder(name)) {
      return {
        ok: false,
        message: `unknown placeholder \${${name}}; use one of ${placeholderList()}`,
      };
    }
    if (rest !== "" && !rest.startsWith("/")) {
      return { ok: false, message: `a placeholder must be followed by "/" or end the path` };
    }
    if (rest.includes("${")) return { ok: false, message: "a placeholder may only start a path" };
    const relative = withoutTrailingSlash(posix.normalize(`.${rest}`));
    if (relative === ".." || relative.startsWith("../")) {
      return {
        ok: false,
        message: `path leaves \${${name}} after resolving "..": ${posix.normalize(`/${rest}`)}`,
      };
    }
    const normalized = relative === "." ? `\${${name}}` : `\${${name}}/${relative}`;
    return { ok: true, normalized, placeholder: name, wildcard: false };
  }

  if (path.includes("${")) return { ok: false, message: "a placeholder may only start a path" };
  if (!path.startsWith("/")) {
    return {
      ok: false,
      message: `must start with a placeholder (${placeholderList()}) or be an absolute path`,
    };
  }
  const normalized = withoutTrailingSlash(posix.normalize(path));
  // Case-insensitive: on a case-insensitive file system /DEV is /dev.
  const lower = normalized.toLowerCase();
  const root = FORBIDDEN_ROOTS.find((r) => lower === r || lower.startsWith(`${r}/`));
  if (root !== undefined) {
    return { ok: false, message: `names ${root}, which exposes the host itself: ${normalized}` };
  }
  return { ok: true, normalized, wildcard: normalized === "/" };
}

function badCharacters(path: string): string | undefined {
  if (path === "") return "path is empty";
  const unsafe = unsafeCharacters(path, "path");
  if (unsafe !== undefined) return unsafe;
  if (path.includes(",")) {
    return "path contains a comma, which Deno's --allow-read=a,b flag would read as a second path";
  }
  if (path.includes("\\")) {
    return 'path contains "\\"; separate directories with "/"';
  }
  return undefined;
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

function placeholderList(): string {
  return PLACEHOLDERS.map((p) => `\${${p}}`).join(", ");
}
