/**
 * The third install step: the review a person confirms before anything is
 * installed.
 *
 * @module
 */
import type { InstalledExtension } from "../conductor/mod.ts";
import type { Manifest } from "../manifest/mod.ts";
import type { Grants } from "../sandbox/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import { permissionReview } from "./permission_review.ts";

/** What {@linkcode installReview} shows. */
export interface InstallReview {
  /** The review, several lines ending with a newline. */
  text: string;
  /** For an update, the permissions the installed version did not request, as "kind: value". */
  added: string[];
}

/**
 * Writes the review of an install, or of an update from `previous`: the
 * permissions in plain words and, for an update, the ones it adds, which
 * leave it disabled until an admin enables it.
 *
 * @param manifest The extension to install.
 * @param previous The installed version it updates, if any.
 * @returns The review text and the added permissions.
 * @throws {SymphonyError} `InvalidInput` for an update to the installed version.
 *
 * @example An update that asks for the network
 * ```ts
 * import { installReview } from "./install_review.ts";
 * import { validateManifest } from "../manifest/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const manifest = (version: string, net: string[]) => {
 *   const result = validateManifest({
 *     manifest_version: 1, id: "acme.x", name: "X", version, type: "operator",
 *     entry: "main.ts", permissions: { net }, operator: { functions: [{ name: "f" }] },
 *   });
 *   assert.ok(result.ok);
 *   return result.manifest;
 * };
 * const old = manifest("1.0.0", []);
 * const review = installReview(manifest("1.1.0", ["api.example.com"]), {
 *   id: "acme.x", version: "1.0.0", manifest: old, installedAt: "", grants: {}, settings: {},
 * });
 * assert.deepEqual(review.added, ["net: api.example.com"]);
 * assert.match(review.text, /NEW permissions: net: api\.example\.com/);
 * ```
 */
export function installReview(manifest: Manifest, previous?: InstalledExtension): InstallReview {
  const review = permissionReview(manifest);
  if (previous === undefined) return { text: review, added: [] };
  if (previous.version === manifest.version) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot update ${manifest.id}: version ${manifest.version} is already installed`,
    );
  }
  const added = addedPermissions(previous.manifest, manifest);
  const change = added.length === 0
    ? "It asks for no new permissions.\n"
    : `It asks for NEW permissions: ${added.join(", ")}.\n` +
      `It will stay disabled until an admin runs symphony enable ${manifest.id}.\n`;
  return {
    text:
      `Update of ${manifest.id} from ${previous.version} to ${manifest.version}.\n${change}${review}`,
    added,
  };
}

/**
 * The permission entries `next` requests that `previous` did not, as "kind: value".
 *
 * @param previous The installed manifest.
 * @param next The new one.
 * @returns The additions, in the manifest's order.
 *
 * @example
 * ```ts
 * import { addedPermissions } from "./install_review.ts";
 * import { validateManifest } from "../manifest/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const manifest = (env: string[]) => {
 *   const result = validateManifest({
 *     manifest_version: 1, id: "acme.x", name: "X", version: "1.0.0", type: "operator",
 *     entry: "main.ts", permissions: { env }, operator: { functions: [{ name: "f" }] },
 *   });
 *   assert.ok(result.ok);
 *   return result.manifest;
 * };
 * assert.deepEqual(addedPermissions(manifest(["A"]), manifest(["A", "B"])), ["env: B"]);
 * ```
 */
export function addedPermissions(previous: Manifest, next: Manifest): string[] {
  return Object.entries(newPermissions(previous, next))
    .flatMap(([kind, values]) => (values ?? []).map((value) => `${kind}: ${value}`));
}

/**
 * The permissions a new manifest requests that the installed one did not,
 * per kind (kinds with none left out): what enabling an update grants.
 *
 * @param previous The installed manifest.
 * @param next The new one.
 * @returns The additions per kind, in the manifest's order.
 *
 * @example
 * ```ts
 * import { newPermissions } from "./install_review.ts";
 * import { validateManifest } from "../manifest/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const manifest = (env: string[]) => {
 *   const result = validateManifest({
 *     manifest_version: 1, id: "acme.x", name: "X", version: "1.0.0", type: "operator",
 *     entry: "main.ts", permissions: { env }, operator: { functions: [{ name: "f" }] },
 *   });
 *   assert.ok(result.ok);
 *   return result.manifest;
 * };
 * assert.deepEqual(newPermissions(manifest(["A"]), manifest(["A", "B"])), { env: ["B"] });
 * ```
 */
export function newPermissions(previous: Manifest, next: Manifest): Grants {
  const added: Record<string, string[]> = {};
  for (const kind of Object.keys(next.permissions) as (keyof Manifest["permissions"])[]) {
    const before = new Set<string>(previous.permissions[kind]);
    const values = next.permissions[kind].filter((value) => !before.has(value));
    if (values.length > 0) added[kind] = values;
  }
  return added;
}
