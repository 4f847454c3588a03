/**
 * Small line charts drawn as SVG: the activity sparklines and the motif
 * `chart` component share them.
 *
 * @module
 */
import type { JSX } from "preact";

/**
 * The `points` attribute of a polyline through the values, scaled to a box
 * with a pixel of margin; the lowest value drawn is 0 or below.
 *
 * @param values The values, left to right.
 * @param width The box's width.
 * @param height The box's height.
 * @returns `"x,y x,y …"`.
 */
export function linePoints(values: readonly number[], width: number, height: number): string {
  const min = Math.min(...values, 0);
  const max = Math.max(...values, min + 1);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((y, i) =>
      `${(i * step).toFixed(1)},${
        (height - 1 - ((y - min) / (max - min)) * (height - 2)).toFixed(1)
      }`
    )
    .join(" ");
}

/** Props of {@linkcode Sparkline}. */
export interface SparklineProps {
  values: readonly number[];
  /** What a screen reader says instead: what it shows and its latest value. */
  label: string;
  width?: number;
  height?: number;
}

/**
 * A sparkline: a line with no axes, for a trend at a glance.
 *
 * @param props The values and the label.
 * @returns An SVG image, or an empty box while there are fewer than two values.
 */
export function Sparkline({ values, label, width = 96, height = 24 }: SparklineProps): JSX.Element {
  if (values.length < 2) {
    // Room kept, so figures beside it line up; the label still tells what there is.
    return <span class="sparkline" role="img" aria-label={label} style={{ width, height }} />;
  }
  return (
    <svg
      class="sparkline"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={label}
    >
      <polyline
        points={linePoints(values, width, height)}
        fill="none"
        stroke="currentColor"
        stroke-width="1.5"
      />
    </svg>
  );
}
