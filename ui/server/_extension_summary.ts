/**
 * One row of `GET /api/extensions`: what the extensions page shows of each
 * installed extension.
 *
 * @module
 */
import type {
  Conductor,
  ExtensionSample,
  ExtensionState,
  InstalledExtension,
} from "../../conductor/mod.ts";
import type { ExtensionType } from "../../manifest/mod.ts";
import type { TrustTier } from "../../sandbox/mod.ts";

/** Activity points in a summary: the last two minutes at the default interval. */
const SUMMARY_POINTS = 120;

/** What the extensions page shows of one extension. */
export interface ExtensionSummary {
  id: string;
  name: string;
  version: string;
  type: ExtensionType;
  trust: TrustTier;
  state: ExtensionState;
  /** Crashes and limit kills recorded in its restart history. */
  restarts: number;
  /** Calls other extensions made to it in this host, by outcome. */
  calls: { ok: number; failed: number };
  /**
   * Its recent activity in this host, oldest first, for the sparklines: one
   * point a second while it runs (memory, CPU, calls and errors).
   */
  activity: readonly ExtensionSample[];
  /** A development install, run from its own directory. */
  dev: boolean;
}

/**
 * Summarises one installed extension.
 *
 * @param conductor The host.
 * @param installed The extension's record.
 * @returns Its summary.
 */
export async function extensionSummary(
  conductor: Conductor,
  installed: InstalledExtension,
): Promise<ExtensionSummary> {
  const { id, manifest } = installed;
  const calls = { ok: 0, failed: 0 };
  for (const [pair, counts] of conductor.callCounts()) {
    if (pair.endsWith(` → ${id}`)) (calls.ok += counts.ok, calls.failed += counts.failed);
  }
  return {
    id,
    name: manifest.name,
    version: installed.version,
    type: manifest.type,
    trust: installed.trust ?? "community",
    state: await conductor.state(id),
    restarts: (installed.history ?? []).filter((entry) => entry.event === "crashed").length,
    calls,
    activity: conductor.metrics(id).slice(-SUMMARY_POINTS),
    dev: installed.devDir !== undefined,
  };
}
