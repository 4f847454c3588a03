/**
 * `GET /api/extensions/:id`: what the extension detail page shows.
 *
 * @module
 */
import type {
  Conductor,
  ExtensionLogEntry,
  ExtensionSample,
  HistoryEntry,
  PermissionKind,
  SettingLevel,
  StateChange,
} from "../../conductor/mod.ts";
import type { Manifest, Settings } from "../../manifest/mod.ts";
import { type ExtensionSummary, extensionSummary } from "./_extension_summary.ts";
import { extensionPermissions, type PermissionColumns } from "./_extension_permissions.ts";

/** The detail page's data for one extension. */
export interface ExtensionDetail extends ExtensionSummary {
  /** When it was installed (ISO 8601). */
  installedAt: string;
  /** Set while it is disabled: when and why. */
  disabled: { at: string; reason: string } | null;
  suspended: boolean;
  /** The manifest without the permissions and settings, which have their own fields. */
  manifest: Omit<Manifest, "permissions" | "settings">;
  permissions: Record<PermissionKind, PermissionColumns>;
  settings: {
    /** The values in force: defaults, then each level. */
    values: Record<string, unknown>;
    /** What each level sets. */
    levels: Partial<Record<SettingLevel, Record<string, unknown>>>;
    /** The manifest's settings schema, from which the settings panel is made. */
    schema: Settings;
  };
  /** Crashes, limit kills, disables and enables, oldest first. */
  history: readonly HistoryEntry[];
  /** State changes in this host, oldest first. */
  transitions: readonly StateChange[];
  /** Its activity in this host, oldest first: the last five minutes at the default interval. */
  activity: readonly ExtensionSample[];
  /** Its recent log lines in this host, oldest first. */
  logs: readonly ExtensionLogEntry[];
}

/**
 * Everything the detail page shows of one extension.
 *
 * @param conductor The host.
 * @param id The extension.
 * @returns Its detail.
 * @throws {SymphonyError} `NotFound` when it is not installed.
 */
export async function extensionDetail(conductor: Conductor, id: string): Promise<ExtensionDetail> {
  const installed = await conductor.get(id);
  const { permissions: _, settings: schema, ...manifest } = installed.manifest;
  const settings = await conductor.settings(id);
  return {
    ...await extensionSummary(conductor, installed),
    installedAt: installed.installedAt,
    disabled: installed.disabled ?? null,
    suspended: installed.suspended === true,
    manifest,
    permissions: await extensionPermissions(conductor, id),
    settings: { values: settings.merged, levels: settings.levels, schema },
    history: installed.history ?? [],
    transitions: conductor.transitions(id),
    activity: conductor.metrics(id),
    logs: conductor.logs(id),
  };
}
