/**
 * What the pages show of an extension's activity points: the series for
 * the sparklines and the figures beside them.
 *
 * @module
 */
import type { ActivityPoint } from "./api_types.ts";

/** The activity of one extension, ready to show. */
export interface ActivityView {
  /** Resident memory per sample, in MiB (points without a running process left out). */
  memoryMiB: number[];
  /** CPU per sample, in % of one core. */
  cpuPercent: number[];
  /** Calls ended per point. */
  calls: number[];
  /** Failed calls per point. */
  errors: number[];
  /** The latest point's memory, "20 MiB"; empty when it has none (no process ran). */
  memoryNow: string;
  /** The latest point's CPU, "3.5 %"; empty when it has no memory figure. */
  cpuNow: string;
  /** Calls in the last minute of points. */
  callsPerMinute: number;
  /** Failed calls in the last minute of points. */
  errorsPerMinute: number;
  /** The share of calls that failed in the last minute, "25 %"; empty without calls. */
  errorRate: string;
}

/**
 * Makes the series and figures from the points.
 *
 * @param points Oldest first.
 * @returns The view.
 */
export function activityView(points: readonly ActivityPoint[]): ActivityView {
  const last = points.at(-1);
  const recent = last === undefined ? [] : points.filter((p) => p.at > last.at - 60_000);
  const callsPerMinute = recent.reduce((sum, p) => sum + p.calls, 0);
  const errorsPerMinute = recent.reduce((sum, p) => sum + p.errors, 0);
  // A point made when a call ended with no process running has no memory or CPU.
  const sampled = points.filter((p) => p.rssBytes > 0);
  const running = last !== undefined && last.rssBytes > 0;
  return {
    memoryMiB: sampled.map((p) => p.rssBytes / (1024 * 1024)),
    cpuPercent: sampled.map((p) => p.cpuPercent),
    calls: points.map((p) => p.calls),
    errors: points.map((p) => p.errors),
    memoryNow: running ? `${Math.round(last.rssBytes / (1024 * 1024))} MiB` : "",
    cpuNow: running ? `${last.cpuPercent} %` : "",
    callsPerMinute,
    errorsPerMinute,
    errorRate: callsPerMinute === 0
      ? ""
      : `${Math.round((errorsPerMinute / callsPerMinute) * 100)} %`,
  };
}
