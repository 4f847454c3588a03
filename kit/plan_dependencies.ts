/**
 * The second install step: resolve an extension's dependencies.
 *
 * @module
 */
import { join } from "node:path";
import { loadManifest, type Manifest, resolveDependencies } from "../manifest/mod.ts";
import { SymphonyError } from "../symphony_error.ts";

/** Options for {@linkcode planDependencies}. */
export interface PlanDependenciesOptions {
  /** The manifests of the installed extensions, which stay at their versions. */
  installed: readonly Manifest[];
  /**
   * A directory of available extensions, one per subdirectory, from which
   * missing dependencies may be installed. Default: none, so every
   * dependency must already be installed.
   */
  from?: string;
}

/** A dependency to install before the extension that needs it. */
export interface PlannedDependency {
  /** Its directory in the `from` directory. */
  dir: string;
  /** Its manifest. */
  manifest: Manifest;
}

/**
 * Resolves the dependencies of `manifest` against what is installed and what
 * `from` offers.
 *
 * @param manifest The extension being installed.
 * @param options What is installed, and where missing dependencies may come from.
 * @returns The dependencies to install first, each before what needs it; empty
 * when everything needed is installed.
 * @throws {SymphonyError} `DependencyError` naming what cannot be satisfied.
 *
 * @example A dependency that is not installed and not offered
 * ```ts
 * import { planDependencies } from "./plan_dependencies.ts";
 * import { validateManifest } from "../manifest/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const result = validateManifest({
 *   manifest_version: 1, id: "acme.app", name: "App", version: "1.0.0", type: "operator",
 *   entry: "main.ts", operator: { functions: [{ name: "f" }] },
 *   dependencies: { "acme.lib": "^1.0.0" },
 * });
 * assert.ok(result.ok);
 * await assert.rejects(planDependencies(result.manifest, { installed: [] }), /acme\.lib/);
 * ```
 */
export async function planDependencies(
  manifest: Manifest,
  options: PlanDependenciesOptions,
): Promise<PlannedDependency[]> {
  const available = new Map<string, Manifest[]>();
  for (const installed of options.installed) available.set(installed.id, [installed]);
  const dirs = new Map<Manifest, string>();
  if (options.from !== undefined) {
    for await (const entry of Deno.readDir(options.from)) {
      if (!entry.isDirectory) continue;
      const loaded = await loadManifest(join(options.from, entry.name));
      // What is installed stays at its version; the root is the one being installed.
      if (
        !loaded.ok || loaded.manifest.id === manifest.id ||
        options.installed.some((m) => m.id === loaded.manifest.id)
      ) {
        continue;
      }
      available.set(loaded.manifest.id, [
        ...available.get(loaded.manifest.id) ?? [],
        loaded.manifest,
      ]);
      dirs.set(loaded.manifest, loaded.dir);
    }
  }
  available.set(manifest.id, [manifest]);
  const resolution = resolveDependencies({
    available,
    roots: [{ id: manifest.id, range: manifest.version }],
  });
  if (!resolution.ok) {
    throw new SymphonyError(
      "DependencyError",
      `Cannot install ${manifest.id}: ${resolution.problems.map((p) => p.message).join("; ")}; ${
        options.from === undefined
          ? "install what it needs first"
          : `install what it needs first, or add it to ${options.from}`
      }`,
    );
  }
  const planned: PlannedDependency[] = [];
  for (const needed of resolution.order) {
    const dir = dirs.get(needed);
    if (dir !== undefined) planned.push({ dir, manifest: needed });
  }
  return planned;
}
