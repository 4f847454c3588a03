/**
 * The Pool Manager's global budget: what the instances use now, and which
 * idle instance to evict first. Scans every instance: this runs only when an
 * instance is about to start, never on the checkout path.
 *
 * @module
 */
import type { InstanceRecord, Pool } from "./_pool_manager_records.ts";

/** What the instances of all pools use, and what stopping ones will give back. */
export interface Usage {
  processes: number;
  bytes: number;
  /** Instances stopping now: counted in `processes` until they are gone. */
  freeingProcesses: number;
  freeingBytes: number;
}

/** The resident size of one instance: measured once started, the pool's guess before. */
export function bytesOf<T>(
  record: InstanceRecord<T>,
  residentBytes: ((instance: T) => number) | undefined,
): number {
  if (residentBytes === undefined) return 0;
  if (record.instance === undefined) return record.pool.peakBytes;
  const bytes = residentBytes(record.instance);
  if (bytes > record.pool.peakBytes) record.pool.peakBytes = bytes;
  return bytes;
}

/** Adds up the instances of every pool (and updates each pool's peak size). */
export function measureUsage<T>(
  pools: Iterable<Pool<T>>,
  residentBytes: ((instance: T) => number) | undefined,
): Usage {
  const usage: Usage = { processes: 0, bytes: 0, freeingProcesses: 0, freeingBytes: 0 };
  for (const pool of pools) {
    for (const record of pool.records) {
      const bytes = bytesOf(record, residentBytes);
      usage.processes++;
      usage.bytes += bytes;
      if (record.health === "stopping") {
        usage.freeingProcesses++;
        usage.freeingBytes += bytes;
      }
    }
  }
  return usage;
}

/**
 * The idle instance to evict for a start in `except`: the least recently used
 * idle healthy instance of another pool, taken first from pools above their
 * `minWarm`, then from any pool (a call waiting beats a warm spare). Never a
 * busy one.
 */
export function pickVictim<T>(
  pools: Iterable<Pool<T>>,
  except: Pool<T>,
): InstanceRecord<T> | undefined {
  let spare: InstanceRecord<T> | undefined;
  let warm: InstanceRecord<T> | undefined;
  for (const pool of pools) {
    if (pool === except) continue;
    const aboveMinimum = pool.live() > pool.minWarm;
    for (const record of pool.records) {
      if (record.inFlight !== 0 || record.health !== "healthy") continue;
      if (aboveMinimum) {
        if (spare === undefined || record.idleSince < spare.idleSince) spare = record;
      } else if (warm === undefined || record.idleSince < warm.idleSince) {
        warm = record;
      }
    }
  }
  return spare ?? warm;
}
