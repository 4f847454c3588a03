/**
 * What the event stream tells the pages.
 *
 * @module
 */

/** The live view of the host, from `/api/events`. */
export interface Live {
  /** The latest state of each extension whose state changed since the page loaded. */
  states: Record<string, string>;
  /** Counts the events received: a page reloads its data when it changes. */
  tick: number;
}
