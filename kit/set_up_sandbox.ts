/**
 * The fourth install step: the extension's place in `$SYMPHONY_HOME`.
 *
 * @module
 */
import { dirname, join, relative } from "node:path";
import type { HomeLayout } from "../conductor/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import { cacheDependencies } from "./cache_dependencies.ts";
import { sha256Hex, type VerifiedPackage } from "./verify_package.ts";

/** Options for {@linkcode setUpSandbox}. */
export interface SetUpSandboxOptions {
  /** The layout of `$SYMPHONY_HOME`. */
  layout: HomeLayout;
  /**
   * A development install: the code stays in the package directory and runs
   * from there. Default: false, the code is copied.
   */
  dev?: boolean;
  /** The `deno` executable that caches dependencies. Default: the one running the host. */
  denoPath?: string;
  /** Progress messages, one line each. */
  progress?(message: string): void;
}

/** Where {@linkcode setUpSandbox} put the code. */
export type SandboxPlacement =
  /** Copied: the code directory, relative to `$SYMPHONY_HOME`. */
  | { codeDir: string }
  /** Development: the package directory itself. */
  | { devDir: string };

/**
 * Sets up the extension's sandbox: copies its code into a directory of its
 * own (each install gets a new one, so a host killed midway leaves the
 * installed code intact), checks every copied file against the hash
 * {@linkcode verifyPackage} recorded, caches its npm imports in its own cache,
 * and creates its data and temporary directories. Nothing is registered: until
 * the next step, the host does not know the new directory.
 *
 * @param verified The verified package.
 * @param options The layout and the kind of install.
 * @returns Where the code is.
 * @throws {SymphonyError} `InvalidManifest` when a file changed since it was
 * verified or an import cannot be cached.
 *
 * @example
 * ```ts
 * import { setUpSandbox } from "./set_up_sandbox.ts";
 * import { verifyPackage } from "./verify_package.ts";
 * import { homeLayout } from "../conductor/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const home = await Deno.makeTempDir();
 * const layout = homeLayout(home);
 * const verified = await verifyPackage(new URL("../tests/fixtures/motif", import.meta.url).pathname);
 * const placement = await setUpSandbox(verified, { layout });
 * assert.ok("codeDir" in placement);
 * assert.ok((await Deno.stat(`${home}/${placement.codeDir}/main.ts`)).isFile);
 * assert.ok((await Deno.stat(layout.dataDir("acme.word-count"))).isDirectory);
 * await Deno.remove(home, { recursive: true });
 * ```
 */
export async function setUpSandbox(
  verified: VerifiedPackage,
  options: SetUpSandboxOptions,
): Promise<SandboxPlacement> {
  const { layout } = options;
  const { manifest } = verified;
  const progress = options.progress ?? (() => {});
  await Deno.mkdir(layout.dataDir(manifest.id), { recursive: true });
  await Deno.mkdir(layout.tmpDir(manifest.id), { recursive: true });
  if (options.dev) {
    progress(`Linking ${verified.dir}`);
    progress("Caching dependencies");
    await cacheDependencies(
      join(verified.dir, manifest.entry),
      layout.cacheDir(manifest.id),
      options.denoPath,
    );
    return { devDir: await Deno.realPath(verified.dir) };
  }
  const files = Object.keys(verified.files);
  progress(`Copying ${files.length} files`);
  const target = `${layout.extDir(manifest.id, manifest.version)}~${
    crypto.randomUUID().slice(0, 8)
  }`;
  const staging = `${target}.staging`;
  await Deno.mkdir(staging, { recursive: true });
  try {
    for (const file of files) {
      const copy = join(staging, file);
      await Deno.mkdir(dirname(copy), { recursive: true });
      await copyRegularFile(join(verified.dir, file), copy);
      if (await sha256Hex(await Deno.readFile(copy)) !== verified.files[file]) {
        throw new SymphonyError(
          "InvalidManifest",
          `Cannot install ${manifest.id}: ${file} changed after it was verified`,
        );
      }
    }
    progress("Caching dependencies");
    await cacheDependencies(
      join(staging, manifest.entry),
      layout.cacheDir(manifest.id),
      options.denoPath,
    );
    await Deno.rename(staging, target);
  } catch (error) {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    throw error;
  }
  // Recorded relative to $SYMPHONY_HOME, which may move.
  return { codeDir: relative(layout.home, target) };
}

// Copies a file only if it is still the regular file the package check saw: a
// file swapped for a link while the review waited is refused, not followed.
async function copyRegularFile(from: string, to: string): Promise<void> {
  const seen = await Deno.lstat(from);
  using source = await Deno.open(from, { read: true });
  const opened = await source.stat();
  if (!seen.isFile || opened.ino !== seen.ino || opened.dev !== seen.dev) {
    throw new SymphonyError(
      "InvalidManifest",
      `Cannot install: ${from} changed into something other than a file`,
    );
  }
  using target = await Deno.open(to, { write: true, createNew: true });
  const buffer = new Uint8Array(64 * 1024);
  for (let read = await source.read(buffer); read !== null; read = await source.read(buffer)) {
    for (let written = 0; written < read;) {
      written += await target.write(buffer.subarray(written, read));
    }
  }
}
