/**
 * Installing an extension, in the steps of the install flow, each a function
 * of its own with its own tests:
 *
 * 1. {@linkcode verifyPackage}: a valid manifest and package, a SHA-256 of every file;
 * 2. {@linkcode planDependencies}: what it needs, installed first from `--from`;
 * 3. {@linkcode installReview}: the permission review a person confirms;
 * 4. {@linkcode setUpSandbox}: its code, cache, data and temporary directories;
 * 5. {@linkcode configureInstall}: settings at their defaults, or carried over by an update;
 * 6. {@linkcode registerInstall}: the record and its audit record, in one transaction;
 * 7. activation on first use, by the Conductor.
 *
 * @module
 */
import { type Conductor, type InstalledExtension, policyAllowsRun } from "../conductor/mod.ts";
import type { Grants } from "../sandbox/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import { configureInstall } from "./configure_install.ts";
import { installReview } from "./install_review.ts";
import { planDependencies } from "./plan_dependencies.ts";
import { registerInstall } from "./register_install.ts";
import { setUpSandbox } from "./set_up_sandbox.ts";
import { verifyPackage } from "./verify_package.ts";

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
  /**
   * What the admin grants of what it requests, per kind (a kind left out is
   * granted nothing), written with the install in one commit. Default:
   * everything requested. Ignored for an update, which keeps its grants.
   */
  grants?: Grants;
  /** Who installs, for the audit trail. Default: the user running the host, `cli:<user>`. */
  actor?: string;
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
  progress(`Verifying ${dir}`);
  const verified = await verifyPackage(dir, {
    allowRun: policyAllowsRun(await conductor.policy()),
  });
  const { manifest } = verified;
  progress("Resolving dependencies");
  const installed = () => conductor.list().then((all) => all.map((e) => e.manifest));
  const planned = await planDependencies(manifest, {
    installed: await installed(),
    ...(options.from === undefined ? {} : { from: options.from }),
  });
  for (const dependency of planned) {
    progress(
      `Installing the dependency ${dependency.manifest.id} ${dependency.manifest.version} from ${dependency.dir}`,
    );
    const { from: _, update: __, grants: ___, ...rest } = options;
    if (await installExtension(dependency.dir, rest) === undefined) {
      throw new SymphonyError(
        "DependencyError",
        `Cannot install ${manifest.id}: the review of its dependency ${dependency.manifest.id} was not confirmed`,
      );
    }
  }
  const previous = options.update ? await conductor.get(manifest.id) : undefined;
  const review = installReview(manifest, previous);
  if (!(await options.confirm(review.text))) return undefined;
  const placement = await setUpSandbox(verified, {
    layout: conductor.layout,
    progress,
    ...(options.dev === undefined ? {} : { dev: options.dev }),
    ...(options.denoPath === undefined ? {} : { denoPath: options.denoPath }),
  });
  const configured = configureInstall(verified, {
    placement,
    ...(previous === undefined ? {} : { previous }),
    ...(options.grants === undefined ? {} : { grants: options.grants }),
  });
  const registered = await registerInstall(conductor, configured, {
    actor: options.actor ?? actor(),
  });
  progress(`Installed ${manifest.id} ${manifest.version}${options.dev ? " (dev)" : ""}`);
  return registered;
}

/** Who is acting: the user running the host, as the audit trail records it. */
export function actor(): string {
  return `cli:${Deno.env.get("USER") ?? Deno.env.get("USERNAME") ?? "unknown"}`;
}
