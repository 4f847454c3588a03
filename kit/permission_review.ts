/**
 * The permission review shown before an extension is installed: what it may
 * do, in plain words, what it did not ask for, and what is dangerous.
 *
 * @module
 */
import { type Manifest, sandboxEscapes } from "../manifest/mod.ts";

const PLACES: Record<string, string> = {
  "${workspace}": "the workspace",
  "${ext_dir}": "its own code",
  "${ext_data}": "its own data directory",
  "${tmp}": "its own temporary directory",
};

/**
 * Writes the permission review of a manifest.
 *
 * @param manifest The validated manifest.
 * @returns The review, several lines ending with a newline.
 *
 * @example
 * ```ts
 * import { permissionReview } from "./permission_review.ts";
 * import { validateManifest } from "../manifest/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const result = validateManifest({
 *   manifest_version: 1, id: "acme.x", name: "X", version: "1.0.0", type: "operator",
 *   entry: "main.ts", permissions: { read: ["${workspace}/src"] }, operator: { functions: [{ name: "f" }] },
 * });
 * assert.ok(result.ok);
 * const review = permissionReview(result.manifest);
 * assert.match(review, /^ {2}read\s+the workspace: src$/m);
 * assert.match(review, /It did not ask to: write outside its own data directory, reach the network/);
 * assert.match(review, /^Its limits: 128 MiB of memory, 5 s a call, 4 calls at once\.$/m);
 * ```
 */
export function permissionReview(manifest: Manifest): string {
  const { read, write, net, env, sys, run } = manifest.permissions;
  const lines = [
    `${manifest.name} (${manifest.id} ${manifest.version}, ${manifest.type}) asks to:`,
  ];
  const place = (path: string): string => {
    const match = /^(\$\{[a-z_]+\})(?:\/(.*))?$/.exec(path);
    if (match === null) return path === "*" ? "everything on this machine" : path;
    const where = PLACES[match[1] ?? ""] ?? path;
    return match[2] === undefined ? where : `${where}: ${match[2]}`;
  };
  for (const path of read) lines.push(`  read    ${place(path)}`);
  for (const path of write) lines.push(`  write   ${place(path)}`);
  for (const host of net) {
    lines.push(`  reach   ${host === "*" ? "any host on the network" : host}`);
  }
  if (env.length > 0) lines.push(`  see     the environment variables ${env.join(", ")}`);
  if (sys.length > 0) lines.push(`  know    system facts: ${sys.join(", ")}`);
  for (const program of run) {
    lines.push(`  run     ${program} (only if an admin grants it, on the enterprise tier)`);
  }
  if (lines.length === 1) lines.push("  nothing beyond its own code and data");
  const missing = [
    read.length === 0 ? "read files outside its own directories" : undefined,
    write.length === 0 ? "write outside its own data directory" : undefined,
    net.length === 0 ? "reach the network" : undefined,
    env.length === 0 ? "see environment variables" : undefined,
    run.length === 0 ? "run programs" : undefined,
    "load native libraries",
  ].filter((text) => text !== undefined);
  lines.push(`It did not ask to: ${missing.join(", ")}.`);
  lines.push(
    "It always may: read its own code, read and write its own data and temporary directories.",
  );
  const { memory_mb, timeout_ms, max_concurrency, instances } = manifest.resources;
  lines.push(
    `Its limits: ${memory_mb} MiB of memory, ${
      timeout_ms / 1000
    } s a call, ${max_concurrency} calls at once${
      instances > 1 ? `, in each of up to ${instances} processes` : ""
    }.`,
  );
  const { leases } = manifest.resources;
  if (leases.length > 0) {
    lines.push(
      `It may lease the shared resources ${leases.join(", ")} (once an admin trusts it).`,
    );
  }
  const escapes = sandboxEscapes(manifest);
  if (escapes.length > 0) {
    lines.push("Dangerous:");
    for (const escape of escapes) lines.push(`  ${escape.path}: ${escape.reason}`);
  }
  return lines.join("\n") + "\n";
}
