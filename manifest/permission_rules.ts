/**
 * The rules for permission entries that hold without knowing where anything
 * is installed: placeholders, normalisation, forbidden roots and characters
 * that would corrupt a Deno `--allow-*` flag. The sandbox applies them again
 * once placeholders are expanded to real paths.
 *
 * @module
 */
import { posix } from "node:path";

/** The placeholders a permission path may start with. */
export const PLACEHOLDERS = ["workspace", "ext_dir", "ext_data", "tmp"] as const;

/** A placeholder name, such as `workspace` for `${workspace}`. */
export type Placeholder = typeof PLACEHOLDERS[number];

/** The names Deno accepts for `--allow-sys`. */
export const SYS_NAMES = [
  "hostname",
  "osRelease",
  "osUptime",
  "loadavg",
  "networkInterfaces",
  "systemMemoryInfo",
  "uid",
  "gid",
  "username",
  "cpus",
  "homedir",
  "statfs",
  "getPriority",
  "setPriority",
] as const;

/** The host directories no extension may name: they expose the host itself. */
export const FORBIDDEN_ROOTS = ["/proc", "/dev", "/sys"] as const;

/** The outcome of checking one permission path. */
export type PathCheck =
  | {
    ok: true;
    /** The path with `.`, `..` and repeated slashes resolved, placeholder kept. */
    normalized: string;
    /** The placeholder the path starts with, if any. */
    placeholder?: Placeholder;
    /** True for `*` and `/`: the whole file system. */
    wildcard: boolean;
  }
  | { ok: false; message: string };

const PLACEHOLDER_PATH = /^\$\{([^}]*)\}(.*)$/s;
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Checks a `read` or `write` permission path and normalises it.
 *
 * @param path The path as written in the manifest.
 * @returns The normalised path, or why it is rejected.
 *
 * @example A path that leaves its placeholder
 * ```ts
 * import { checkPermissionPath } from "./permission_rules.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(checkPermissionPath("${workspace}/src/../lib"), {
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
  const bad = badCharacters(path, "path", "--allow-read=a,b");
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
    if (rest.includes("${")) {
      return { ok: false, message: "a placeholder may only start a path" };
    }
    const relative = posix.normalize(`.${rest}`).replace(/(.)\/$/, "$1");
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
  const normalized = posix.normalize(path).replace(/(.)\/$/, "$1");
  const root = FORBIDDEN_ROOTS.find((r) => normalized === r || normalized.startsWith(`${r}/`));
  if (root !== undefined) {
    return { ok: false, message: `names ${root}, which exposes the host itself: ${normalized}` };
  }
  return { ok: true, normalized, wildcard: normalized === "/" };
}

/** The outcome of checking one `net` entry. */
export type NetCheck =
  | {
    ok: true;
    /** The host name or address, lower-cased; IPv6 addresses keep their brackets. */
    host: string;
    /** The port, when the entry names one. */
    port?: number;
    /** True for `*`: every host. */
    wildcard: boolean;
  }
  | { ok: false; message: string };

const HOST_LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOST_NAME = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*$`, "i");
const IPV6 = /^\[[0-9a-f:.]+\]$/i;

/**
 * Checks a `net` entry: `host` or `host:port`, with no scheme and no path.
 *
 * @param entry The entry as written in the manifest.
 * @returns The host and port, or why the entry is rejected.
 *
 * @example
 * ```ts
 * import { checkNetEntry } from "./permission_rules.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(checkNetEntry("api.example.com:443"), {
 *   ok: true,
 *   host: "api.example.com",
 *   port: 443,
 *   wildcard: false,
 * });
 * assert.equal(checkNetEntry("https://api.example.com").ok, false);
 * ```
 */
export function checkNetEntry(entry: string): NetCheck {
  const bad = badCharacters(entry, "entry", "--allow-net=a,b");
  if (bad !== undefined) return { ok: false, message: bad };
  if (entry === "*") return { ok: true, host: "*", wildcard: true };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(entry);
  if (scheme !== null) {
    const rest = entry.slice(scheme[0].length).split(/[/?#]/)[0];
    return {
      ok: false,
      message: `net entries are host or host:port without a scheme: write "${rest}"`,
    };
  }
  if (/[/?#@\\\s]/.test(entry)) {
    return { ok: false, message: "net entries are host or host:port, without a path" };
  }

  const ipv6 = /^(\[[^\]]*\])(?::(.*))?$/.exec(entry);
  const [host = "", port] = ipv6 !== null
    ? [ipv6[1], ipv6[2]]
    : entry.includes(":")
    ? [entry.slice(0, entry.lastIndexOf(":")), entry.slice(entry.lastIndexOf(":") + 1)]
    : [entry, undefined];

  if (host.includes("*")) {
    return { ok: false, message: `wildcard hosts are not supported: list each host ("${host}")` };
  }
  if (!(ipv6 !== null ? IPV6.test(host) : HOST_NAME.test(host))) {
    return { ok: false, message: `"${host}" is not a valid host name or address` };
  }
  if (port === undefined) return { ok: true, host: host.toLowerCase(), wildcard: false };
  const portNumber = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(portNumber >= 1 && portNumber <= 65535)) {
    return { ok: false, message: `port must be a number from 1 to 65535, got "${port}"` };
  }
  return { ok: true, host: host.toLowerCase(), port: portNumber, wildcard: false };
}

function badCharacters(value: string, what: string, flag: string): string | undefined {
  if (value === "") return `${what} is empty`;
  const control = CONTROL.exec(value);
  if (control !== null) {
    const code = control[0].codePointAt(0) ?? 0;
    return `${what} contains a control character (U+${
      code.toString(16).toUpperCase().padStart(4, "0")
    })`;
  }
  if (value.includes(",")) {
    return `${what} contains a comma, which Deno's ${flag} flag would read as a second entry`;
  }
  return undefined;
}

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

function placeholderList(): string {
  return PLACEHOLDERS.map((p) => `\${${p}}`).join(", ");
}
