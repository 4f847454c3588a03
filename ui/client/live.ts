/**
 * What the event stream tells the pages, and how a page joins it to what it
 * loaded from the API.
 *
 * @module
 */
import type { ActivityPoint, LogEntry } from "./api_types.ts";

/** The live view of the host, from `/api/events`. */
export interface Live {
  /** The latest state of each extension whose state changed since the page loaded. */
  states: Record<string, string>;
  /**
   * Counts the reloads the host's events asked for (state changes other than
   * busy and back, crashes, denials; those within 250 ms are one): a page
   * reloads its data when it changes. Activity points and log lines arrive
   * below instead.
   */
  tick: number;
  /** Activity points received per extension, oldest first. */
  activity: Record<string, ActivityPoint[]>;
  /** Log lines received per extension, oldest first. */
  logs: Record<string, LogEntry[]>;
}

/** Activity points a page keeps per extension: five minutes at one a second. */
export const POINTS_KEPT = 300;
/** Log lines a page keeps per extension. */
export const LOGS_KEPT = 200;

/** The live view before any event. */
export const NO_EVENTS: Live = { states: {}, tick: 0, activity: {}, logs: {} };

/**
 * Appends one item to an extension's list, keeping the last `keep`.
 *
 * @param lists The lists by extension.
 * @param id The extension.
 * @param item The new item.
 * @param keep How many to keep.
 * @returns New lists; the others are shared.
 */
export function appendFor<T>(
  lists: Record<string, T[]>,
  id: string,
  item: T,
  keep: number,
): Record<string, T[]> {
  const list = [...(lists[id] ?? []), item];
  return { ...lists, [id]: list.length > keep ? list.slice(-keep) : list };
}

/**
 * What the page loaded, followed by what arrived live since: items from
 * the stream that are not newer than the loaded ones are left out.
 *
 * @param loaded The items from the API, oldest first.
 * @param arrived The items from the stream, oldest first.
 * @param time An item's time, in ms.
 * @param keep How many to keep.
 * @returns The last `keep` items, oldest first.
 */
export function joined<T>(
  loaded: readonly T[],
  arrived: readonly T[] | undefined,
  time: (item: T) => number,
  keep: number,
): T[] {
  const last = loaded.length === 0 ? -Infinity : time(loaded[loaded.length - 1] as T);
  return [...loaded, ...(arrived ?? []).filter((item) => time(item) > last)].slice(-keep);
}
