/**
 * Fakes for the Stale Manager's tests: an in-memory source and reaper that
 * record every call, items, and a manager on a fixed clock.
 *
 * @module
 */
import {
  type IdleReaper,
  type StaleItem,
  StaleManager,
  type StaleManagerOptions,
  type StalePolicy,
  type StaleSource,
} from "./stale_manager.ts";

/** A minute in ms. */
export const MINUTE = 60_000;
/** An hour in ms. */
export const HOUR = 60 * MINUTE;
/** A day in ms. */
export const DAY = 24 * HOUR;
/** The time the fake clock of {@linkcode manager} reads. */
export const NOW = 100 * DAY;

/** An item created and accessed an hour before {@linkcode NOW}, 100 bytes, unpinned. */
export function item(key: string, fields: Partial<StaleItem> = {}): StaleItem {
  return {
    key,
    name: key,
    sizeBytes: 100,
    createdAt: NOW - HOUR,
    lastAccessAt: NOW - HOUR,
    pinned: false,
    ...fields,
  };
}

/** An in-memory source that records every call, in order. */
export class FakeSource implements StaleSource {
  readonly held = new Map<string, StaleItem>();
  readonly calls: string[] = [];
  readonly failArchive = new Set<string>();
  readonly failRemove = new Set<string>();
  /** Called on each removal, before it completes. */
  onRemove: (key: string) => void = () => {};
  /** Replaces the listing (to block it, or fail it). */
  listing: (() => Promise<Iterable<StaleItem>>) | undefined;

  constructor(items: StaleItem[] = []) {
    for (const each of items) this.held.set(each.key, each);
  }

  items(): Iterable<StaleItem> | Promise<Iterable<StaleItem>> {
    this.calls.push("list");
    return this.listing?.() ?? [...this.held.values()];
  }

  archive(key: string, dir: string): Promise<void> {
    this.calls.push(`archive ${key} ${dir}`);
    if (this.failArchive.has(key)) return Promise.reject(new Error("disk full"));
    return Promise.resolve();
  }

  remove(key: string): Promise<void> {
    this.calls.push(`remove ${key}`);
    this.onRemove(key);
    if (this.failRemove.has(key)) return Promise.reject(new Error("file is locked"));
    this.held.delete(key);
    return Promise.resolve();
  }
}

/** An in-memory reaper that records every process reaped. */
export class FakeReaper implements IdleReaper {
  readonly reaped: string[] = [];
  readonly failing = new Set<string>();
  constructor(readonly instances: { key: string; idleSinceMs: number }[]) {}
  idleInstances(): { key: string; idleSinceMs: number }[] {
    return this.instances;
  }
  reap(key: string): Promise<void> {
    this.reaped.push(key);
    return this.failing.has(key) ? Promise.reject(new Error("still busy")) : Promise.resolve();
  }
}

/** A manager over `source` on a clock fixed at {@linkcode NOW}. */
export function manager(
  source: StaleSource,
  policy: StalePolicy,
  options: Partial<StaleManagerOptions> = {},
): StaleManager {
  return new StaleManager({ source, policy, now: () => NOW, ...options });
}
