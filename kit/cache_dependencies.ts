/**
 * Caching an extension's npm imports at install time.
 *
 * @module
 */
import { IMPORT_MAP } from "../stage/mod.ts";
import { SymphonyError } from "../symphony_error.ts";

/**
 * Fetches an entry module's npm imports into the extension's own cache, so
 * that it runs with `--cached-only` and never needs the network or a
 * writable cache.
 *
 * @param entry The entry module's absolute path.
 * @param cacheDir The extension's `DENO_DIR`.
 * @param denoPath The `deno` executable.
 * @throws {SymphonyError} `InvalidManifest` when an import cannot be resolved.
 *
 * @example An entry module whose import cannot be resolved
 * ```ts
 * import { cacheDependencies } from "./cache_dependencies.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/main.ts`, 'import "./missing.ts";\n');
 * await assert.rejects(cacheDependencies(`${dir}/main.ts`, `${dir}/cache`), /Cannot cache/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function cacheDependencies(
  entry: string,
  cacheDir: string,
  denoPath: string = Deno.execPath(),
): Promise<void> {
  await Deno.mkdir(cacheDir, { recursive: true });
  const output = await new Deno.Command(denoPath, {
    args: ["cache", "--no-config", "--no-lock", "--quiet", `--import-map=${IMPORT_MAP}`, entry],
    env: { DENO_DIR: cacheDir, NO_COLOR: "1" },
    stdin: "null",
  }).output();
  if (!output.success) {
    const reason = new TextDecoder().decode(output.stderr).trim().split("\n").slice(0, 3).join(" ");
    throw new SymphonyError(
      "InvalidManifest",
      `Cannot cache the dependencies of ${entry}: ${reason}`,
    );
  }
}
