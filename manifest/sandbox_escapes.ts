/**
 * The requests in a valid manifest that reach beyond the extension's own
 * world, so that trust checks can refuse them and the permission review can
 * call them out.
 *
 * @module
 */
import { checkNetEntry } from "./check_net_entry.ts";
import type { Manifest } from "./manifest_schema.ts";
import { formatFieldPath } from "./problem.ts";

/** A permission request that lets the extension out of its sandbox. */
export interface SandboxEscape {
  /** Where it is requested, such as `permissions.run[0]`. */
  path: string;
  /** The permission kind. */
  kind: "run" | "read" | "write" | "net" | "env";
  /** The requested value, normalised. */
  value: string;
  /** What it would let the extension do. */
  reason: string;
}

const NETWORK_REASONS = {
  "loopback": "reaches this machine itself, where the host and other local services listen",
  "link-local": "reaches link-local addresses, where cloud metadata services answer",
  "private": "reaches the private network behind this machine",
} as const;

/**
 * Lists the requests in a valid manifest that escape the sandbox: any `run`;
 * wildcard `read`, `write`, `net` or `env`; an absolute `read` or `write` path
 * (outside the workspace and the extension's own directories); and a `net`
 * host on this machine or a non-public network.
 *
 * @param manifest A validated manifest.
 * @returns One entry per escaping request, in manifest order.
 *
 * @example
 * ```ts
 * import { sandboxEscapes, validateManifest } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const result = validateManifest({
 *   manifest_version: 1, id: "acme.x", name: "X", version: "1.0.0", type: "operator",
 *   entry: "main.ts", permissions: { run: ["git"], read: ["${workspace}"] },
 *   operator: { functions: [{ name: "f" }] },
 * });
 * assert.ok(result.ok);
 * assert.deepEqual(sandboxEscapes(result.manifest).map((e) => e.path), ["permissions.run[0]"]);
 * ```
 */
export function sandboxEscapes(manifest: Manifest): SandboxEscape[] {
  const { read, write, net, env, run } = manifest.permissions;
  const escapes: SandboxEscape[] = [];
  const add = (kind: SandboxEscape["kind"], value: string, index: number, reason: string) =>
    escapes.push({ path: formatFieldPath(["permissions", kind, index]), kind, value, reason });

  for (const [kind, list] of [["read", read], ["write", write]] as const) {
    const verb = kind === "read" ? "reads" : "writes";
    list.forEach((value, index) => {
      if (value === "*" || value === "/") add(kind, value, index, `${verb} the whole file system`);
      else if (value.startsWith("/")) {
        add(kind, value, index, `${verb} ${value}, outside the workspace and its own directories`);
      }
    });
  }
  net.forEach((value, index) => {
    const check = checkNetEntry(value);
    if (!check.ok) return;
    if (check.wildcard) add("net", value, index, "reaches any host on the network");
    else if (check.local !== undefined) add("net", value, index, NETWORK_REASONS[check.local]);
  });
  env.forEach((value, index) => {
    if (value === "*") {
      add("env", value, index, "reads every environment variable, secrets included");
    }
  });
  run.forEach((value, index) =>
    add("run", value, index, `runs the program "${value}" outside the sandbox`)
  );
  return escapes;
}
