/**
 * The whole command that starts one extension: `deno run` with the flags of
 * its permission set, and an environment holding only what it needs.
 *
 * @module
 */
import type { Manifest } from "../manifest/mod.ts";
import { denoRunArgs } from "./deno_run_args.ts";
import { type ExtensionPaths, type Grants, permissionSet } from "./permission_set.ts";
import type { SpawnCommand } from "./spawner.ts";

/** What the data-segment limit allows beyond `memory_mb`, in MiB: what Deno needs to start. */
export const DATA_HEADROOM_MB = 1024;

/** Options for {@linkcode sandboxCommand}. */
export interface SandboxCommandOptions {
  /** The extension's validated manifest. */
  manifest: Manifest;
  /** What was granted. Default: everything requested. */
  grants?: Grants;
  /** Where things are. */
  paths: ExtensionPaths;
  /** The extension's own Deno cache (`DENO_DIR`), filled at install. */
  cacheDir: string;
  /** The absolute path of the stage runtime's main module. */
  runtimeModule: string;
  /** The import map that maps `@symphony/sdk`. */
  importMap?: string;
  /** The `deno` executable. */
  denoPath: string;
  /** The host's environment; only the variables the extension was granted are passed on. */
  hostEnv: Record<string, string>;
  /** Whether the extension may run the programs granted to it (`permissionSet`'s `allowRun`). Default: false. */
  allowRun?: boolean;
  /** Resolves symbolic links of an existing path. Default: the identity. */
  realPath?: (path: string) => string;
}

/**
 * Builds the command that starts an extension process.
 *
 * @param options The manifest, grants, paths and host facts.
 * @returns The program, arguments, environment and working directory.
 * @throws {SymphonyError} `PermissionDenied` from `permissionSet`.
 *
 * @example The host's secrets never reach the extension
 * ```ts
 * import { sandboxCommand } from "./sandbox_command.ts";
 * import { validateManifest } from "../manifest/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const result = validateManifest({
 *   manifest_version: 1, id: "acme.x", name: "X", version: "1.0.0", type: "operator",
 *   entry: "main.ts", permissions: { env: ["LANG", "MISSING"] }, operator: { functions: [{ name: "f" }] },
 * });
 * assert.ok(result.ok);
 * const command = sandboxCommand({
 *   manifest: result.manifest,
 *   paths: { workspace: "/w", extDir: "/h/e", extData: "/h/d", tmp: "/h/t", hostData: "/h", runtime: "/s" },
 *   cacheDir: "/h/c", runtimeModule: "/s/runtime.ts", denoPath: "/usr/bin/deno",
 *   hostEnv: { LANG: "C.UTF-8", AWS_SECRET_ACCESS_KEY: "hunter2", HOME: "/root" },
 * });
 * assert.deepEqual(command.env, {
 *   DENO_DIR: "/h/c", HOME: "/h/d", NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", LANG: "C.UTF-8",
 * });
 * assert.ok(command.args.includes("--allow-env=LANG,MISSING"));
 * ```
 */
export function sandboxCommand(options: SandboxCommandOptions): SpawnCommand {
  const { manifest, paths, hostEnv } = options;
  const set = permissionSet({
    permissions: manifest.permissions,
    paths,
    ...(options.grants === undefined ? {} : { grants: options.grants }),
    ...(options.realPath === undefined ? {} : { realPath: options.realPath }),
    ...(options.allowRun === undefined ? {} : { allowRun: options.allowRun }),
  });
  const env: Record<string, string> = {
    DENO_DIR: options.cacheDir,
    HOME: paths.extData,
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
  };
  // Every variable for a wildcard (an enterprise grant), else those named.
  const names = set.env.includes("*") ? Object.keys(hostEnv) : set.env;
  for (const name of names) {
    const value = hostEnv[name];
    if (value !== undefined && !(name in env)) env[name] = value;
  }
  return {
    program: options.denoPath,
    args: denoRunArgs(set, {
      id: manifest.id,
      memoryMb: manifest.resources.memory_mb,
      runtimeModule: options.runtimeModule,
      ...(options.importMap === undefined ? {} : { importMap: options.importMap }),
    }),
    env,
    cwd: paths.extData,
    limits: {
      // Deno needs about 1 GiB of data segment to start; the heap and
      // ArrayBuffers come on top. The resident-memory watchdog holds memory_mb.
      dataBytes: (manifest.resources.memory_mb + DATA_HEADROOM_MB) * 1024 * 1024,
      openFiles: manifest.resources.max_open_files,
    },
  };
}
