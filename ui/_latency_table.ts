/**
 * The table `ui/motif_bridge_bench.ts` prints: each row's median and 90th
 * percentile in ms, and its median as a multiple of the baseline's median.
 *
 * @module
 */

/** One row of {@linkcode latencyTable}. */
export interface LatencyRow {
  /** What was timed. */
  label: string;
  /** The times, in ms. */
  samples: readonly number[];
}

/**
 * The value below which `p` of the samples lie (nearest rank).
 *
 * @param samples The values, in any order.
 * @param p The share, from 0 to 1: 0.5 is the median.
 * @returns The value; NaN when there are no samples.
 * @throws {RangeError} When `p` is outside 0–1.
 *
 * @example
 * ```ts
 * import { percentile } from "./_latency_table.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(percentile([5, 1, 4, 2, 3], 0.5), 3);
 * assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9);
 * ```
 */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be from 0 to 1, not ${p}`);
  const sorted = samples.toSorted((a, b) => a - b);
  return sorted[Math.max(Math.ceil(p * sorted.length) - 1, 0)] ?? NaN;
}

/**
 * Formats the rows as a plain-text table: median, p90 and the median over
 * the baseline's median.
 *
 * @param rows The rows, in order.
 * @param baseline The row the others are compared with (it shows 1.00×).
 * @returns The table, one line a row under a header, no final newline.
 *
 * @example
 * ```ts
 * import { latencyTable } from "./_latency_table.ts";
 * import assert from "node:assert/strict";
 *
 * const fetch = { label: "fetch", samples: [1, 1, 2] };
 * const table = latencyTable([fetch, { label: "bridge", samples: [4, 5, 6] }], fetch);
 * assert.match(table, /^bridge +5\.00 +6\.00 +5\.00×$/m);
 * ```
 */
export function latencyTable(rows: readonly LatencyRow[], baseline: LatencyRow): string {
  const base = percentile(baseline.samples, 0.5);
  const width = Math.max(...rows.map((row) => row.label.length), 4);
  const line = (cells: string[], label: string): string =>
    [label.padEnd(width), ...cells.map((cell) => cell.padStart(10))].join("  ").trimEnd();
  return [
    line(["median ms", "p90 ms", "× base"], "what"),
    ...rows.map((row) => {
      const median = percentile(row.samples, 0.5);
      return line(
        [
          median.toFixed(2),
          percentile(row.samples, 0.9).toFixed(2),
          `${(median / base).toFixed(2)}×`,
        ],
        row.label,
      );
    }),
  ].join("\n");
}
