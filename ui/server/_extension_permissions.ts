/**
 * The three columns of an extension's permissions: requested, granted and
 * denied, per kind.
 *
 * @module
 */
import type { Conductor, PermissionKind } from "../../conductor/mod.ts";

/** One kind's requested values, split into what is granted and what is denied. */
export interface PermissionColumns {
  requested: string[];
  granted: string[];
  denied: string[];
}

/**
 * What an extension requested, was granted and was denied.
 *
 * @param conductor The host.
 * @param id The extension.
 * @returns The three columns for each permission kind.
 * @throws {SymphonyError} `NotFound` when it is not installed.
 */
export async function extensionPermissions(
  conductor: Conductor,
  id: string,
): Promise<Record<PermissionKind, PermissionColumns>> {
  const grants = await conductor.grants(id);
  const columns = {} as Record<PermissionKind, PermissionColumns>;
  for (
    const [kind, { granted, denied }] of Object.entries(grants) as [
      PermissionKind,
      { granted: string[]; denied: string[] },
    ][]
  ) {
    columns[kind] = { requested: [...granted, ...denied], granted, denied };
  }
  return columns;
}
