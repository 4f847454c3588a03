/**
 * A temporary directory that removes itself: `await using dir = await tempDir()`.
 *
 * @module
 */
import { dirname, join } from "node:path";

/** A temporary directory, removed with everything in it when disposed. */
export interface TempDir extends AsyncDisposable {
  /** The directory's absolute path. */
  path: string;
  /** Writes a file relative to the directory, creating parent directories. */
  write(relativePath: string, content: string | Uint8Array): Promise<string>;
}

/**
 * Creates a temporary directory.
 *
 * @returns The directory; dispose it to remove it.
 *
 * @example
 * ```ts
 * import { tempDir } from "./temp_dir.ts";
 * import assert from "node:assert/strict";
 *
 * let path = "";
 * {
 *   await using dir = await tempDir();
 *   path = await dir.write("a/b.txt", "hi");
 *   assert.equal(await Deno.readTextFile(path), "hi");
 * }
 * await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
 * ```
 */
export async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "symphony-test-" });
  return {
    path,
    async write(relativePath, content): Promise<string> {
      const file = join(path, relativePath);
      await Deno.mkdir(dirname(file), { recursive: true });
      if (typeof content === "string") await Deno.writeTextFile(file, content);
      else await Deno.writeFile(file, content);
      return file;
    },
    async [Symbol.asyncDispose](): Promise<void> {
      await Deno.remove(path, { recursive: true });
    },
  };
}
