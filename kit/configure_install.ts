/**
 * The fifth install step: the record the host will keep for the extension.
 *
 * @module
 */
import { type InstalledExtension, PERMISSION_KINDS } from "../conductor/mod.ts";
import type { Grants } from "../sandbox/mod.ts";
import type { SandboxPlacement } from "./set_up_sandbox.ts";
import { addedPermissions, newPermissions } from "./install_review.ts";
import type { VerifiedPackage } from "./verify_package.ts";

/** Options for {@linkcode configureInstall}. */
export interface ConfigureInstallOptions {
  /** Where the sandbox step put the code. */
  placement: SandboxPlacement;
  /** The installed version this one updates, if any. */
  previous?: InstalledExtension;
  /** The time recorded. Default: now. */
  now?: Date;
  /**
   * A new install's grants, when the admin grants less than requested: per
   * kind, the values granted; a kind left out is granted nothing. Default:
   * what the manifest requests. An update keeps the installed grants.
   */
  grants?: Grants;
}

/**
 * Configures a new install: the settings start at the manifest's defaults and
 * what it requests is granted (the tier rules still strip what escapes the
 * sandbox) unless the admin chose less (`grants`). An update keeps what the
 * admin decided: the grants, the trust tier, the settings the new version
 * still has, the setting levels and the restart history, and keeps the old version for
 * rollback; if it asks for permissions the old one did not, it is disabled
 * until an admin enables it.
 *
 * @param verified The verified package.
 * @param options Where its code is, and the version it updates.
 * @returns The record to register.
 *
 * @example A fresh install gets the manifest's defaults
 * ```ts
 * import { configureInstall } from "./configure_install.ts";
 * import { verifyPackage } from "./verify_package.ts";
 * import assert from "node:assert/strict";
 *
 * const verified = await verifyPackage(new URL("../tests/fixtures/operator", import.meta.url).pathname);
 * const installed = configureInstall(verified, { placement: { codeDir: "extensions/x" } });
 * assert.equal(installed.codeDir, "extensions/x");
 * assert.deepEqual(installed.grants, {});
 * assert.equal(installed.disabled, undefined);
 * ```
 */
export function configureInstall(
  verified: VerifiedPackage,
  options: ConfigureInstallOptions,
): InstalledExtension {
  const { manifest } = verified;
  const at = (options.now ?? new Date()).toISOString();
  const defaults = Object.fromEntries(
    Object.entries(manifest.settings).map(([name, s]) => [name, s.default]),
  );
  const installed: InstalledExtension = {
    id: manifest.id,
    version: manifest.version,
    manifest,
    installedAt: at,
    grants: options.grants === undefined
      ? {}
      : Object.fromEntries(PERMISSION_KINDS.map((kind) => [kind, options.grants?.[kind] ?? []])),
    settings: defaults,
    files: verified.files,
    ...options.placement,
  };
  const { previous } = options;
  if (previous === undefined) return installed;
  const { previous: _, ...kept } = previous;
  const added = addedPermissions(previous.manifest, manifest);
  return {
    ...installed,
    // What the admin granted holds; a new permission is granted only by
    // enabling it (enable() adds newPermissions to the kinds granted in part).
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
    // The admin's trust holds across updates, as the grants do.
    ...(previous.trust === undefined ? {} : { trust: previous.trust }),
    previous: kept,
    ...(added.length > 0
      ? {
        disabled: {
          at,
          reason: `the update to ${manifest.version} asks for new permissions (${
            added.join(", ")
          }); review them and run symphony enable ${manifest.id}`,
          newPermissions: newPermissions(previous.manifest, manifest),
        },
      }
      : {}),
  };
}
