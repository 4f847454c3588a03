/**
 * The sixth install step: the host learns of the extension.
 *
 * @module
 */
import { join } from "node:path";
import type { Conductor, InstalledExtension } from "../conductor/mod.ts";
import { addedPermissions } from "./install_review.ts";

/** Options for {@linkcode registerInstall}. */
export interface RegisterInstallOptions {
  /** Who installs, as the audit trail records it. */
  actor: string;
}

/**
 * Registers a configured install: the record and its audit record (`install`,
 * or `update` with the version it came from and the new permissions) are
 * committed in one transaction, so a host killed at any moment has either
 * both or neither. A running older version then stops; the new one starts on
 * first use (activation is lazy unless the manifest says eager). The code
 * directory of a reinstalled version that nothing refers to any more is
 * removed.
 *
 * @param conductor The host.
 * @param installed The record from {@linkcode configureInstall}.
 * @param options Who installs.
 * @returns The record as registered.
 *
 * @example
 * ```ts
 * import { configureInstall } from "./configure_install.ts";
 * import { registerInstall } from "./register_install.ts";
 * import { setUpSandbox } from "./set_up_sandbox.ts";
 * import { verifyPackage } from "./verify_package.ts";
 * import { Conductor } from "../conductor/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [home, workspace] = [await Deno.makeTempDir(), await Deno.makeTempDir()];
 * await using conductor = new Conductor({ home, workspace });
 * const verified = await verifyPackage(new URL("../tests/fixtures/motif", import.meta.url).pathname);
 * const placement = await setUpSandbox(verified, { layout: conductor.layout });
 * await registerInstall(conductor, configureInstall(verified, { placement }), { actor: "cli:doc" });
 * assert.equal((await conductor.get("acme.word-count")).version, verified.manifest.version);
 * assert.equal(conductor.audit.list({ kind: "install" }).length, 1);
 * await Deno.remove(home, { recursive: true });
 * await Deno.remove(workspace, { recursive: true });
 * ```
 */
export async function registerInstall(
  conductor: Conductor,
  installed: InstalledExtension,
  options: RegisterInstallOptions,
): Promise<InstalledExtension> {
  const { previous, manifest } = installed;
  let replaced: InstalledExtension | undefined;
  await conductor.store.updateAudited(
    (state) => {
      replaced = state.extensions[installed.id];
      return { ...state, extensions: { ...state.extensions, [installed.id]: installed } };
    },
    conductor.audit,
    [{
      kind: previous === undefined ? "install" : "update",
      extension: installed.id,
      actor: options.actor,
      detail: {
        version: installed.version,
        type: manifest.type,
        permissions: manifest.permissions,
        files: Object.keys(installed.files ?? {}).length,
        ...(installed.devDir === undefined ? {} : { devDir: installed.devDir }),
        ...(previous === undefined ? {} : {
          from: previous.version,
          newPermissions: addedPermissions(previous.manifest, manifest),
        }),
      },
    }],
  );
  await conductor.stop(installed.id);
  // A reinstall of the same version leaves the code it replaced unused.
  const old = replaced?.codeDir;
  if (old !== undefined && old !== installed.codeDir && old !== installed.previous?.codeDir) {
    await Deno.remove(join(conductor.layout.home, old), { recursive: true }).catch(() => {});
  }
  return installed;
}
