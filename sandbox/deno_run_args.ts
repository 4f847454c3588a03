/**
 * From a permission set to the exact `deno run` arguments of an extension
 * process.
 *
 * @module
 */
import type { PermissionSet } from "./permission_set.ts";

/** Options for {@linkcode denoRunArgs}. */
export interface DenoRunArgsOptions {
  /** The extension's id; it names the process's own `--location` origin. */
  id: string;
  /** The V8 heap limit, in MiB (from `resources.memory_mb`). */
  memoryMb: number;
  /** The absolute path of the stage runtime's main module. */
  runtimeModule: string;
  /** The absolute path of the import map that maps `@symphony/sdk`; none if absent. */
  importMap?: string;
}

/**
 * The `deno run` arguments for an extension process. Always: no prompts, no
 * configuration file, no lock file, no remote modules, only cached modules,
 * no subprocesses, no native libraries, a `--location` of its own (so its
 * `localStorage` is its own), and a heap limit. Then one `--allow-*` flag per
 * non-empty kind of the permission set; a kind holding `*` gets the flag
 * without a list (all of the kind).
 *
 * @param set The permission set, from `permissionSet`.
 * @param options The id, heap limit and runtime module.
 * @returns The arguments after the `deno` executable.
 *
 * @example
 * ```ts
 * import { denoRunArgs } from "./deno_run_args.ts";
 * import assert from "node:assert/strict";
 *
 * const args = denoRunArgs(
 *   { read: ["/ext", "/stage"], write: ["/data"], net: [], env: ["LANG"], sys: [] },
 *   { id: "acme.x", memoryMb: 128, runtimeModule: "/stage/runtime.ts" },
 * );
 * assert.deepEqual(args, [
 *   "run", "--no-prompt", "--no-config", "--no-lock", "--no-remote", "--cached-only",
 *   "--deny-run", "--deny-ffi", "--location=https://acme.x.extension.invalid/",
 *   "--v8-flags=--max-old-space-size=128",
 *   "--allow-read=/ext,/stage", "--allow-write=/data", "--allow-env=LANG",
 *   "/stage/runtime.ts",
 * ]);
 * ```
 */
export function denoRunArgs(set: PermissionSet, options: DenoRunArgsOptions): string[] {
  const allow = (kind: keyof PermissionSet): string[] => {
    const values = set[kind] ?? [];
    if (values.some((value) => value.includes(","))) {
      // permissionSet already refuses these; a comma here would grant a second entry.
      throw new TypeError(`Cannot build --allow-${kind}: an entry contains a comma`);
    }
    if (values.length === 0) return [];
    // A wildcard (an enterprise grant of net or env "*") is the whole kind:
    // Deno spells it without a list, and refuses "*" as a value.
    if (values.includes("*")) return [`--allow-${kind}`];
    return [`--allow-${kind}=${values.join(",")}`];
  };
  return [
    "run",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--no-remote",
    "--cached-only",
    ...(options.importMap === undefined ? [] : [`--import-map=${options.importMap}`]),
    ...(set.run === undefined || set.run.length === 0 ? ["--deny-run"] : allow("run")),
    "--deny-ffi",
    `--location=https://${options.id}.extension.invalid/`,
    `--v8-flags=--max-old-space-size=${options.memoryMb}`,
    ...allow("read"),
    ...allow("write"),
    ...allow("net"),
    ...allow("env"),
    ...allow("sys"),
    options.runtimeModule,
  ];
}
