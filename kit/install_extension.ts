/**
 * Installing an extension: validate, check the package, resolve its
 * dependencies against what is installed, show the permission review, copy
 * the code into `$SYMPHONY_HOME`, and cache its npm imports so that it runs
 * without the network.
 *
 * @module
 */
import { dirname, join, relative } from "node:path";
import type { InstalledExtension } from "../conductor/mod.ts";
import { Conductor } from "../conductor/mod.ts";
import {
  formatProblem,
  loadManifest,
  type Manifest,
  resolveDependencies,
  sandboxEscapes,
} from "../manifest/mod.ts";
import { checkPackage } from "../sandbox/mod.ts";
import { IMPORT_MAP } from "../stage/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import { permissionReview } from "./permission_review.ts";

/** Options for {@linkcode installExtension}. */
export interface InstallExtensionOptions {
  /** The Conductor whose `$SYMPHONY_HOME` receives the extension. */
  conductor: Conductor;
  /** Shown the review; resolves true to install. */
  confirm(review: string): Promise<boolean>;
  /** Progress messages, one line each. */
  progress?(message: string): void;
  /** The `deno` executable that caches dependencies. Default: the one running the host. */
  denoPath?: string;
  /**
   * A development install: the extension runs from `dir` itself (linked, not
   * copied), and `symphony dev` reloads it when its files change.
   */
  dev?: boolean;
  /**
   * An update of an installed extension to another version: its grants and
   * settings carry over, the old version is kept for rollback, and an update
   * that asks for permissions the old one did not have is left disabled
   * until an admin reviews and enables it.
   */
  update?: boolean;
  /**
   * A directory of available extensions (one per subdirectory): the
   * dependencies that are not installed are installed from it first, each
   * with its own review.
   */
  from?: string;
}

/**
 * Installs the extension in `dir`.
 *
 * @param dir The extension directory.
 * @param options The Conductor, the confirmation and progress callbacks.
 * @returns The installed record, or undefined when the review was not confirmed.
 * @throws {SymphonyError} `InvalidManifest`, `DependencyError` or `PermissionDenied`.
 *
 * @example Install an extension into a new data directory, and call it
 * ```ts
 * import { installExtension } from "./install_extension.ts";
 * import { Conductor } from "../conductor/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [home, workspace] = [await Deno.makeTempDir(), await Deno.makeTempDir()];
 * await using conductor = new Conductor({ home, workspace });
 * const dir = new URL("../tests/fixtures/motif", import.meta.url).pathname;
 * const installed = await installExtension(dir, { conductor, confirm: () => Promise.resolve(true) });
 * assert.equal(installed?.id, "acme.word-count");
 * assert.deepEqual(await conductor.call("acme.word-count", "count", { text: "a b" }), { words: 2, lines: 1 });
 * await conductor.stopAll();
 * await Deno.remove(home, { recursive: true });
 * await Deno.remove(workspace, { recursive: true });
 * ```
 */
export async function installExtension(
  dir: string,
  options: InstallExtensionOptions,
): Promise<InstalledExtension | undefined> {
  const { conductor } = options;
  const progress = options.progress ?? (() => {});
  progress(`Validating ${dir}`);
  const loaded = await loadManifest(dir);
  if (!loaded.ok) {
    throw new SymphonyError(
      "InvalidManifest",
      `Cannot install ${dir}: the manifest is invalid: ${
        loaded.problems.map(formatProblem).join("; ")
      }`,
    );
  }
  const { manifest } = loaded;
  const run = sandboxEscapes(manifest).filter((e) => e.kind === "run");
  if (run.length > 0) {
    throw new SymphonyError(
      "PermissionDenied",
      `Cannot install ${manifest.id}: it asks to run programs (${
        run.map((e) => e.value).join(", ")
      }), which needs the enterprise tier`,
    );
  }
  progress("Checking the package");
  const files = await checkPackage(loaded.dir);
  if (options.from !== undefined) {
    await installMissingDependencies(manifest, options.from, options);
  }
  await checkDependencies(manifest, conductor);
  let previous: InstalledExtension | undefined;
  let review = permissionReview(manifest);
  if (options.update) {
    previous = await conductor.get(manifest.id);
    if (previous.version === manifest.version) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot update ${manifest.id}: version ${manifest.version} is already installed`,
      );
    }
    const added = addedPermissions(previous.manifest, manifest);
    review = `Update of ${manifest.id} from ${previous.version} to ${manifest.version}.\n${
      added.length === 0
        ? "It asks for no new permissions.\n"
        : `It asks for NEW permissions: ${
          added.join(", ")
        }.\nIt will stay disabled until an admin runs symphony enable ${manifest.id}.\n`
    }${review}`;
  }
  if (!(await options.confirm(review))) return undefined;

  const layout = conductor.layout;
  if (options.dev) {
    progress(`Linking ${loaded.dir}`);
    progress("Caching dependencies");
    await cacheDependencies(
      join(loaded.dir, manifest.entry),
      layout.cacheDir(manifest.id),
      options.denoPath,
    );
    return await record(conductor, manifest, await Deno.realPath(loaded.dir), progress, {});
  }
  progress(`Copying ${files.length} files`);
  // Each install gets its own directory, named in the record only once it is
  // complete: a host killed at any point leaves the installed code intact.
  const target = `${layout.extDir(manifest.id, manifest.version)}~${
    crypto.randomUUID().slice(0, 8)
  }`;
  const staging = `${target}.staging`;
  await Deno.mkdir(staging, { recursive: true });
  try {
    for (const file of files) {
      await Deno.mkdir(dirname(join(staging, file)), { recursive: true });
      await copyRegularFile(join(loaded.dir, file), join(staging, file));
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
  progress("Recording file hashes");
  const hashes: Record<string, string> = {};
  for (const file of files) hashes[file] = await sha256(await Deno.readFile(join(target, file)));
  // Recorded relative to $SYMPHONY_HOME, which may move.
  return await record(
    conductor,
    manifest,
    undefined,
    progress,
    hashes,
    previous,
    relative(layout.home, target),
  );
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The permission entries `next` requests that `previous` did not, as "kind: value".
 *
 * @param previous The installed manifest.
 * @param next The new one.
 * @returns The additions.
 */
export function addedPermissions(previous: Manifest, next: Manifest): string[] {
  const added: string[] = [];
  for (const kind of Object.keys(next.permissions) as (keyof Manifest["permissions"])[]) {
    const before = new Set<string>(previous.permissions[kind]);
    for (const value of next.permissions[kind]) {
      if (!before.has(value)) added.push(`${kind}: ${value}`);
    }
  }
  return added;
}

// Records the installed extension; a running older version stops, and the
// next call starts the new one.
async function record(
  conductor: Conductor,
  manifest: Manifest,
  devDir: string | undefined,
  progress: (message: string) => void,
  files: Record<string, string>,
  previous?: InstalledExtension,
  codeDir?: string,
): Promise<InstalledExtension> {
  const layout = conductor.layout;
  await Deno.mkdir(layout.dataDir(manifest.id), { recursive: true });
  await Deno.mkdir(layout.tmpDir(manifest.id), { recursive: true });
  const defaults = Object.fromEntries(
    Object.entries(manifest.settings).map(([name, s]) => [name, s.default]),
  );
  const added = previous === undefined ? [] : addedPermissions(previous.manifest, manifest);
  let installed: InstalledExtension = {
    id: manifest.id,
    version: manifest.version,
    manifest,
    installedAt: new Date().toISOString(),
    grants: {},
    settings: defaults,
    files,
    ...(devDir === undefined ? {} : { devDir }),
    ...(codeDir === undefined ? {} : { codeDir }),
  };
  if (previous !== undefined) {
    const { previous: _, ...kept } = previous;
    installed = {
      ...installed,
      // What the admin granted holds; a new permission is granted only by enabling it.
      grants: previous.grants,
      // Settings the new version still has keep their values.
      settings: Object.fromEntries(
        Object.entries(defaults).map(([name, value]) => [
          name,
          name in previous.settings ? previous.settings[name] : value,
        ]),
      ),
      ...(previous.history === undefined ? {} : { history: previous.history }),
      ...(previous.settingLevels === undefined ? {} : { settingLevels: previous.settingLevels }),
      previous: kept,
      ...(added.length > 0
        ? {
          disabled: {
            at: new Date().toISOString(),
            reason: `the update to ${manifest.version} asks for new permissions (${
              added.join(", ")
            }); review them and run symphony enable ${manifest.id}`,
          },
        }
        : {}),
    };
  }
  // The record and its audit record are committed together, or neither.
  let replaced: InstalledExtension | undefined;
  await conductor.store.updateAudited(
    (state) => {
      replaced = state.extensions[manifest.id];
      return { ...state, extensions: { ...state.extensions, [manifest.id]: installed } };
    },
    conductor.audit,
    [{
      kind: previous === undefined ? "install" : "update",
      extension: manifest.id,
      actor: actor(),
      detail: {
        version: manifest.version,
        type: manifest.type,
        permissions: manifest.permissions,
        files: Object.keys(files).length,
        ...(devDir === undefined ? {} : { devDir }),
        ...(previous === undefined ? {} : { from: previous.version, newPermissions: added }),
      },
    }],
  );
  await conductor.stop(manifest.id);
  // A reinstall of the same version leaves the code it replaced unused.
  const old = replaced?.codeDir;
  if (old !== undefined && old !== installed.codeDir && old !== installed.previous?.codeDir) {
    await Deno.remove(join(layout.home, old), { recursive: true }).catch(() => {});
  }
  progress(`Installed ${manifest.id} ${manifest.version}${devDir === undefined ? "" : " (dev)"}`);
  return installed;
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

// Resolves against what is installed and what `from` offers, and installs
// what is missing, dependencies first.
async function installMissingDependencies(
  manifest: Manifest,
  from: string,
  options: InstallExtensionOptions,
): Promise<void> {
  const { conductor } = options;
  const available = new Map<string, Manifest[]>();
  const dirs = new Map<Manifest, string>();
  const installed = new Set<string>();
  for (const e of await conductor.list()) (available.set(e.id, [e.manifest]), installed.add(e.id));
  for await (const entry of Deno.readDir(from)) {
    if (!entry.isDirectory) continue;
    const loaded = await loadManifest(join(from, entry.name));
    // What is installed stays at its version; the root is the one being installed.
    if (!loaded.ok || loaded.manifest.id === manifest.id || installed.has(loaded.manifest.id)) {
      continue;
    }
    const versions = available.get(loaded.manifest.id) ?? [];
    available.set(loaded.manifest.id, [...versions, loaded.manifest]);
    dirs.set(loaded.manifest, loaded.dir);
  }
  available.set(manifest.id, [manifest]);
  const resolution = resolveDependencies({
    available,
    roots: [{ id: manifest.id, range: manifest.version }],
  });
  if (!resolution.ok) return; // checkDependencies reports the problem.
  for (const needed of resolution.order) {
    const dir = dirs.get(needed);
    if (dir === undefined) continue;
    options.progress?.(`Installing the dependency ${needed.id} ${needed.version} from ${dir}`);
    const { from: _, update: __, ...rest } = options;
    const done = await installExtension(dir, rest);
    if (done === undefined) {
      throw new SymphonyError(
        "DependencyError",
        `Cannot install ${manifest.id}: the review of its dependency ${needed.id} was not confirmed`,
      );
    }
  }
}

async function checkDependencies(manifest: Manifest, conductor: Conductor): Promise<void> {
  const available = new Map<string, Manifest[]>();
  for (const installed of await conductor.list()) available.set(installed.id, [installed.manifest]);
  available.set(manifest.id, [manifest]);
  const resolution = resolveDependencies({
    available,
    roots: [{ id: manifest.id, range: manifest.version }],
  });
  if (!resolution.ok) {
    throw new SymphonyError(
      "DependencyError",
      `Cannot install ${manifest.id}: ${
        resolution.problems.map((p) => p.message).join("; ")
      }; install what it needs first`,
    );
  }
}

/** Who is acting: the user running the host, as the audit trail records it. */
export function actor(): string {
  return `cli:${Deno.env.get("USER") ?? Deno.env.get("USERNAME") ?? "unknown"}`;
}

/**
 * Fetches an entry module's npm imports into the extension's own cache, so
 * that it runs with `--cached-only` and never needs the network or a
 * writable cache.
 *
 * @param entry The entry module's absolute path.
 * @param cacheDir The extension's `DENO_DIR`.
 * @param denoPath The `deno` executable.
 * @throws {SymphonyError} `InvalidManifest` when an import cannot be resolved.
 */
export async function cacheDependencies(
  entry: string,
  cacheDir: string,
  denoPath = Deno.execPath(),
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
