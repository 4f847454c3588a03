/**
 * What an installable package may contain: regular files and directories
 * only, all inside its directory.
 *
 * @module
 */
import { join, relative } from "node:path";
import { SymphonyError } from "../symphony_error.ts";

/** The most files a package may hold. */
export const MAX_PACKAGE_FILES = 10_000;

/** The most bytes a package may hold (100 MiB). */
export const MAX_PACKAGE_BYTES = 100 * 1024 * 1024;

/**
 * Lists a package's files, refusing one that holds a symbolic link (which
 * could point anywhere), a device, pipe or socket, or more than the limits.
 *
 * @param dir The package directory.
 * @returns The files' paths relative to `dir`, sorted.
 * @throws {SymphonyError} `InvalidManifest` naming the first offending entry.
 *
 * @example
 * ```ts
 * import { checkPackage } from "./check_package.ts";
 * import assert from "node:assert/strict";
 *
 * const files = await checkPackage(new URL("../tests/fixtures/instrument", import.meta.url).pathname);
 * assert.deepEqual(files, ["extension.toml", "src/main.ts"]);
 * ```
 */
export async function checkPackage(dir: string): Promise<string[]> {
  const files: string[] = [];
  let bytes = 0;
  const refuse = (path: string, why: string): never => {
    throw new SymphonyError(
      "InvalidManifest",
      `Cannot install ${dir}: ${relative(dir, path)} ${why}`,
    );
  };
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for await (const entry of Deno.readDir(current)) {
      const path = join(current, entry.name);
      if (entry.isSymlink) {
        refuse(path, "is a symbolic link; a package holds only files and directories");
      }
      const info = await Deno.lstat(path);
      if (info.isDirectory) pending.push(path);
      else if (info.isFile) {
        files.push(relative(dir, path));
        bytes += info.size;
        if (files.length > MAX_PACKAGE_FILES) {
          refuse(path, `is past the limit of ${MAX_PACKAGE_FILES} files`);
        }
        if (bytes > MAX_PACKAGE_BYTES) {
          refuse(path, `is past the limit of ${MAX_PACKAGE_BYTES} bytes`);
        }
      } else refuse(path, "is not a regular file or directory");
    }
  }
  return files.sort();
}
