/**
 * From what an extension asked for, what was granted, and where things are on
 * this host, to the exact set of permissions its process gets. Placeholders
 * become absolute paths here, and every rule is checked again on the result,
 * since grants and symbolic links can change paths too.
 *
 * @module
 */
import { isAbsolute, join, relative } from "node:path";
import {
  checkNetEntry,
  checkPermissionPath,
  type Permissions,
  type Placeholder,
} from "../manifest/mod.ts";
import { SymphonyError } from "../symphony_error.ts";

/** Where things are for one extension on this host; every path absolute and canonical. */
export interface ExtensionPaths {
  /** The workspace `${workspace}` means. */
  workspace: string;
  /** The installed code (`${ext_dir}`); never writable. */
  extDir: string;
  /** The extension's private data directory (`${ext_data}`); its `HOME`. */
  extData: string;
  /** The extension's private temporary directory (`${tmp}`). */
  tmp: string;
  /** The host's data directory (`$SYMPHONY_HOME`); only the three above inside it are reachable. */
  hostData: string;
  /** The stage runtime's directory; readable, never writable. */
  runtime: string;
}

/** What was granted: per kind, the requested values an admin approved. Absent kinds grant all requested. */
export type Grants = { [K in keyof Permissions]?: readonly string[] };

/** The permissions a process starts with. Paths are absolute. */
export interface PermissionSet {
  read: string[];
  write: string[];
  net: string[];
  env: string[];
  sys: string[];
  /** The programs it may run (the enterprise tier only); absent or empty: none. */
  run?: string[];
}

/** Options for {@linkcode permissionSet}. */
export interface PermissionSetOptions {
  /** What the manifest requests (validated). */
  permissions: Permissions;
  /** What was granted. Default: everything requested. */
  grants?: Grants;
  /** Where things are. */
  paths: ExtensionPaths;
  /**
   * Whether programs may be run: only for an extension of the enterprise
   * tier on a host whose policy allows it. Default: false, and a granted
   * `run` is refused.
   */
  allowRun?: boolean;
  /**
   * Resolves symbolic links of a path that exists, or returns it unchanged.
   * Default: the identity, which keeps the function pure.
   */
  realPath?: (path: string) => string;
}

/**
 * Computes the permission set of an extension process: requested ∩ granted,
 * placeholders expanded, plus read access to its code and the runtime and
 * read-write access to its own data and temporary directories.
 *
 * @param options The request, the grants, the paths and a link resolver.
 * @returns The permission set.
 * @throws {SymphonyError} `PermissionDenied` for a request that would reach the
 *   host's data, its own code for writing, `/proc`, `/dev` or `/sys`, or run
 *   programs without `allowRun`.
 *
 * @example
 * ```ts
 * import { permissionSet } from "./permission_set.ts";
 * import assert from "node:assert/strict";
 *
 * const set = permissionSet({
 *   permissions: { read: ["${workspace}/src"], write: [], net: ["api.example.com:443"], env: [], sys: [], run: [] },
 *   paths: {
 *     workspace: "/work/project", extDir: "/home/u/.symphony/extensions/acme.x/1.0.0",
 *     extData: "/home/u/.symphony/data/acme.x", tmp: "/home/u/.symphony/tmp/acme.x",
 *     hostData: "/home/u/.symphony", runtime: "/opt/symphony/stage",
 *   },
 * });
 * assert.deepEqual(set.read, [
 *   "/home/u/.symphony/extensions/acme.x/1.0.0", "/opt/symphony/stage",
 *   "/home/u/.symphony/data/acme.x", "/home/u/.symphony/tmp/acme.x", "/work/project/src",
 * ]);
 * assert.deepEqual(set.write, ["/home/u/.symphony/data/acme.x", "/home/u/.symphony/tmp/acme.x"]);
 * assert.deepEqual(set.net, ["api.example.com:443"]);
 * ```
 */
export function permissionSet(options: PermissionSetOptions): PermissionSet {
  const { permissions, grants = {}, paths, realPath = (path: string) => path } = options;
  const allowRun = options.allowRun ?? false;
  const granted = (kind: keyof Permissions): string[] => {
    const allowed = grants[kind];
    return permissions[kind].filter((value) => allowed === undefined || allowed.includes(value));
  };
  if (granted("run").length > 0 && !allowRun) {
    throw new SymphonyError(
      "PermissionDenied",
      `Cannot start with run access (${
        granted("run").join(", ")
      }): running programs needs the enterprise tier`,
    );
  }
  const expand = (kind: "read" | "write", value: string): string =>
    checkPath(kind, realPath(expandPlaceholder(value, paths)), paths);

  const read = unique([
    paths.extDir,
    paths.runtime,
    paths.extData,
    paths.tmp,
    ...granted("read").map((value) => expand("read", value)),
  ]);
  const write = unique([
    paths.extData,
    paths.tmp,
    ...granted("write").map((value) => expand("write", value)),
  ]);
  const net = granted("net").map((entry) => {
    const check = checkNetEntry(entry);
    if (!check.ok) throw denied(`net entry "${entry}"`, check.message);
    return check.normalized;
  });
  return {
    read,
    write,
    net: unique(net),
    env: unique(granted("env")),
    sys: unique(granted("sys")),
    ...(allowRun ? { run: unique(granted("run")) } : {}),
  };
}

const PLACEHOLDER_PATHS: Record<Placeholder, keyof ExtensionPaths> = {
  workspace: "workspace",
  ext_dir: "extDir",
  ext_data: "extData",
  tmp: "tmp",
};

function expandPlaceholder(value: string, paths: ExtensionPaths): string {
  const check = checkPermissionPath(value);
  if (!check.ok) throw denied(`path "${value}"`, check.message);
  if (check.wildcard) {
    throw denied(`path "${value}"`, "it is the whole file system, the host's data included");
  }
  if (check.placeholder === undefined) return check.normalized;
  const root = paths[PLACEHOLDER_PATHS[check.placeholder]];
  return join(root, check.normalized.slice(`\${${check.placeholder}}`.length));
}

// The rules again, on the real absolute path.
function checkPath(kind: "read" | "write", path: string, paths: ExtensionPaths): string {
  const check = checkPermissionPath(path);
  if (!check.ok) throw denied(`${kind} ${path}`, check.message);
  if (check.wildcard) throw denied(`${kind} ${path}`, "it is the whole file system");
  const absolute = check.normalized;
  if (within(paths.hostData, absolute)) {
    throw denied(`${kind} ${absolute}`, `it contains the host's data directory ${paths.hostData}`);
  }
  const own = [paths.extDir, paths.extData, paths.tmp];
  if (within(absolute, paths.hostData) && !own.some((dir) => within(absolute, dir))) {
    throw denied(`${kind} ${absolute}`, `it is inside the host's data directory ${paths.hostData}`);
  }
  const code = [paths.extDir, paths.runtime];
  if (kind === "write" && code.some((dir) => within(absolute, dir) || within(dir, absolute))) {
    throw denied(`write ${absolute}`, "code is never writable, nor a directory holding it");
  }
  return absolute;
}

// True when `path` is `dir` or inside it.
function within(path: string, dir: string): boolean {
  const rest = relative(dir, path);
  return rest === "" || (rest !== ".." && !rest.startsWith("../") && !isAbsolute(rest));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function denied(what: string, why: string): SymphonyError {
  return new SymphonyError("PermissionDenied", `Cannot grant ${what}: ${why}`);
}
