/**
 * Hot reload of a development install: the edited extension is validated
 * again, its package checked, its npm imports cached, and its process
 * replaced, carrying state through `snapshot()`/`restore(state)`. A reload
 * that fails any step keeps the last good version running and says why.
 *
 * @module
 */
import { join } from "node:path";
import type { Conductor } from "../conductor/mod.ts";
import { formatProblem, loadManifest, type Manifest, sandboxEscapes } from "../manifest/mod.ts";
import { checkPackage } from "../sandbox/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import { cacheDependencies } from "./cache_dependencies.ts";
import { addedPermissions } from "./install_review.ts";

/** What a reload did. */
export type ReloadResult =
  | {
    ok: true;
    id: string;
    version: string;
    /** Whether a running process was replaced (false: the next call starts the new code). */
    restarted: boolean;
  }
  | {
    ok: false;
    id: string;
    /** Why the new version was refused; the last good one keeps running. */
    reason: string;
  };

/** Options for {@linkcode reloadExtension}. */
export interface ReloadOptions {
  /** The `deno` executable that caches dependencies. Default: the one running the host. */
  denoPath?: string;
}

/**
 * Reloads a development install from its directory.
 *
 * @param conductor The host.
 * @param id The extension, installed with `--dev`.
 * @param options The `deno` executable.
 * @returns What happened; a refused reload is a result, not an exception.
 * @throws {SymphonyError} `NotFound` when not installed, `InvalidInput` when not a dev install.
 */
export async function reloadExtension(
  conductor: Conductor,
  id: string,
  options: ReloadOptions = {},
): Promise<ReloadResult> {
  const installed = await conductor.get(id);
  const dir = installed.devDir;
  if (dir === undefined) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot reload ${id}: it is not a development install (install it with --dev)`,
    );
  }
  const refuse = (reason: string): ReloadResult => ({ ok: false, id, reason });
  const loaded = await loadManifest(dir);
  if (!loaded.ok) {
    return refuse(`the manifest is invalid: ${loaded.problems.map(formatProblem).join("; ")}`);
  }
  const { manifest } = loaded;
  if (manifest.id !== id) return refuse(`its id changed to ${manifest.id}; install that anew`);
  if (sandboxEscapes(manifest).some((e) => e.kind === "run")) {
    return refuse("it now asks to run programs, which needs the enterprise tier");
  }
  const raised = raisedLimits(installed.manifest, manifest);
  if (raised.length > 0) {
    return refuse(
      `it asks for more than it was installed with (${
        raised.join(", ")
      }); install it again to review it`,
    );
  }
  const added = addedPermissions(installed.manifest, manifest);
  if (added.length > 0) {
    return refuse(
      `it asks for permissions it was installed without (${
        added.join(", ")
      }); install it again to review them`,
    );
  }
  try {
    await checkPackage(dir);
    await cacheDependencies(
      join(dir, manifest.entry),
      conductor.layout.cacheDir(id),
      options.denoPath,
    );
    const restarted = await conductor.replace(id, manifest);
    return { ok: true, id, version: manifest.version, restarted };
  } catch (error) {
    if (!(error instanceof SymphonyError)) throw error;
    return refuse(`the new version did not start: ${error.message}`);
  }
}

// What the review showed that `next` raises: resource limits, calls to other
// extensions, dependencies.
function raisedLimits(previous: Manifest, next: Manifest): string[] {
  const raised: string[] = [];
  const { leases, ...limits } = next.resources;
  for (const [name, value] of Object.entries(limits) as [keyof typeof limits, number][]) {
    if (value > previous.resources[name]) raised.push(`resources.${name} ${value}`);
  }
  for (const lease of leases) {
    if (!previous.resources.leases.includes(lease)) raised.push(`resources.leases ${lease}`);
  }
  for (const target of next.events.calls) {
    if (!previous.events.calls.includes(target)) raised.push(`events.calls ${target}`);
  }
  for (const dependency of Object.keys(next.dependencies)) {
    if (!(dependency in previous.dependencies)) raised.push(`dependencies ${dependency}`);
  }
  return raised;
}
