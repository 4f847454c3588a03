/**
 * The rules for a `net` permission entry: `host` or `host:port`, written the
 * way the URL standard writes it, so that what an admin reads is what Deno's
 * `--allow-net` flag will allow.
 *
 * @module
 */
import { unsafeCharacters } from "./_unsafe_characters.ts";

/** Hosts that are not on the internet, which an admin should see called out. */
export type LocalNetwork = "loopback" | "link-local" | "private";

/** The outcome of checking one `net` entry. */
export type NetCheck =
  | {
    ok: true;
    /** The entry as it should be stored: canonical host, then `:port` if any. */
    normalized: string;
    /** The canonical host; IPv6 addresses keep their brackets. */
    host: string;
    /** The port, when the entry names one. */
    port?: number;
    /** True for `*`: every host. */
    wildcard: boolean;
    /** Set when the host is this machine or a non-public network. */
    local?: LocalNetwork;
  }
  | { ok: false; message: string };

const HOST_LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOST_NAME = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Checks a `net` entry: `host` or `host:port`, with no scheme and no path.
 * The host must be written canonically: lower case, IPv4 in dotted decimal,
 * IPv6 compressed in brackets, international names in punycode. That rules out
 * spellings such as `2130706433` or `0x7f.1`, which Deno would also read as
 * 127.0.0.1.
 *
 * @param entry The entry as written in the manifest.
 * @returns The canonical host and port, or why the entry is rejected.
 *
 * @example
 * ```ts
 * import { checkNetEntry } from "./check_net_entry.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(checkNetEntry("API.example.com:443"), {
 *   ok: true,
 *   normalized: "api.example.com:443",
 *   host: "api.example.com",
 *   port: 443,
 *   wildcard: false,
 * });
 * assert.deepEqual(checkNetEntry("2130706433"), {
 *   ok: false,
 *   message: 'host "2130706433" is written unusually; write it as "127.0.0.1"',
 * });
 * ```
 */
export function checkNetEntry(entry: string): NetCheck {
  const fail = (message: string): NetCheck => ({ ok: false, message });
  if (entry === "") return fail("entry is empty");
  const unsafe = unsafeCharacters(entry, "entry");
  if (unsafe !== undefined) return fail(unsafe);
  if (entry.includes(",")) {
    return fail(
      "entry contains a comma, which Deno's --allow-net=a,b flag would read as a second host",
    );
  }
  if (entry === "*") return { ok: true, normalized: "*", host: "*", wildcard: true };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(entry);
  if (scheme !== null) {
    const rest = entry.slice(scheme[0].length).split(/[/?#]/)[0];
    return fail(`net entries are host or host:port without a scheme: write "${rest}"`);
  }
  if (/[/?#@\\\s%]/.test(entry)) return fail("net entries are host or host:port, without a path");

  const bracketed = /^(\[[^\]]*\])(?::(.*))?$/.exec(entry);
  if (bracketed === null && (entry.match(/:/g)?.length ?? 0) > 1) {
    return fail("write an IPv6 address in brackets, such as [::1]:8080");
  }
  const at = entry.lastIndexOf(":");
  const [written = "", port] = bracketed !== null
    ? [bracketed[1], bracketed[2]]
    : at === -1
    ? [entry, undefined]
    : [entry.slice(0, at), entry.slice(at + 1)];
  if (written.includes("*")) {
    return fail(`wildcard hosts are not supported: list each host ("${written}")`);
  }
  let portNumber: number | undefined;
  if (port !== undefined) {
    portNumber = /^[1-9]\d{0,4}$/.test(port) ? Number(port) : NaN;
    if (!(portNumber <= 65535)) {
      return fail(`port must be a number from 1 to 65535 without leading zeros, got "${port}"`);
    }
  }

  const host = canonicalHost(written);
  if (host === undefined) return fail(`"${written}" is not a valid host name or address`);
  if (host !== written.toLowerCase()) {
    return fail(`host "${written}" is written unusually; write it as "${host}"`);
  }
  if (!host.startsWith("[") && !IPV4.test(host) && !HOST_NAME.test(host)) {
    return fail(`"${written}" is not a valid host name or address`);
  }
  const normalized = portNumber === undefined ? host : `${host}:${portNumber}`;
  const local = localNetwork(host);
  return {
    ok: true,
    normalized,
    host,
    ...(portNumber === undefined ? {} : { port: portNumber }),
    wildcard: false,
    ...(local === undefined ? {} : { local }),
  };
}

// The host as the URL standard writes it, or undefined if it is not a host.
function canonicalHost(host: string): string | undefined {
  if (host === "") return undefined;
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
}

function localNetwork(host: string): LocalNetwork | undefined {
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  const ipv4 = IPV4.exec(host) ?? mappedIpv4(host);
  if (ipv4 !== null) {
    const [a = 0, b = 0] = ipv4.slice(1, 3).map(Number);
    if (a === 127 || a === 0) return "loopback";
    if (a === 169 && b === 254) return "link-local";
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
    if (a === 100 && b >= 64 && b <= 127) return "private";
    return undefined;
  }
  if (!host.startsWith("[")) return undefined;
  if (host === "[::1]" || host === "[::]") return "loopback";
  if (/^\[fe[89ab]/.test(host)) return "link-local";
  if (/^\[f[cd]/.test(host)) return "private";
  return undefined;
}

// `[::ffff:7f00:1]` is 127.0.0.1 in IPv6 clothing.
function mappedIpv4(host: string): RegExpExecArray | null {
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
  if (mapped === null) return null;
  const high = parseInt(mapped[1] ?? "0", 16);
  const low = parseInt(mapped[2] ?? "0", 16);
  return IPV4.exec(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
}
