/**
 * The Pool Manager's call rates across a restart: taken as a snapshot in
 * calls per second, restored decayed from when they were taken.
 *
 * @module
 */
import { SymphonyError } from "../symphony_error.ts";
import type { Pool } from "./_pool_manager_records.ts";
import { type RateSnapshot, rateSnapshotSchema } from "./_pool_manager_types.ts";

/** A rate in calls per ms as of `at`, for an extension with no pool yet. */
export interface OrphanRate {
  rate: number;
  at: number;
}

/** The rates of the pools and of the orphans, decayed to `at`, in calls per second. */
export function takeRates<T>(
  pools: ReadonlyMap<string, Pool<T>>,
  orphans: ReadonlyMap<string, OrphanRate>,
  at: number,
  decay: number,
): RateSnapshot {
  const rates: Record<string, number> = {};
  for (const [id, { rate, at: since }] of orphans) {
    const now = since < at ? rate * Math.exp(-decay * (at - since)) : rate;
    if (now > 0) rates[id] = now * 1000;
  }
  for (const [id, pool] of pools) {
    const now = pool.rateAtTime(at, decay);
    if (now > 0) rates[id] = now * 1000;
  }
  return { at, rates };
}

/**
 * Sets the rates a snapshot names: on their pools, or kept as orphans until
 * the extension is configured. Throws `InvalidInput` for a malformed snapshot.
 */
export function restoreRates<T>(
  pools: ReadonlyMap<string, Pool<T>>,
  orphans: Map<string, OrphanRate>,
  snapshot: unknown,
): void {
  const parsed = rateSnapshotSchema.safeParse(snapshot);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0
      ? ""
      : ` at ${issue.path.join(".")}`;
    throw new SymphonyError(
      "InvalidInput",
      `Cannot import call rates: the snapshot is malformed${where}: ${issue?.message}`,
      { cause: parsed.error },
    );
  }
  const { at, rates } = parsed.data;
  for (const [id, perSecond] of Object.entries(rates)) {
    const pool = pools.get(id);
    if (pool === undefined) {
      orphans.set(id, { rate: perSecond / 1000, at });
    } else {
      pool.rate = perSecond / 1000;
      pool.rateAt = at;
    }
  }
}
