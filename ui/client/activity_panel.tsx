/**
 * The extension page's activity: memory, CPU, calls and errors over the
 * last minutes, each a sparkline with its latest figure.
 *
 * @module
 */
import type { JSX } from "preact";
import { activityView } from "./activity.ts";
import type { ActivityPoint } from "./api_types.ts";
import { Sparkline } from "./sparkline.tsx";

/** Props of {@linkcode ActivityPanel}. */
export interface ActivityPanelProps {
  /** Oldest first. */
  points: readonly ActivityPoint[];
}

/**
 * Four sparklines with their figures.
 *
 * @param props The points.
 * @returns The section.
 */
export function ActivityPanel({ points }: ActivityPanelProps): JSX.Element {
  const a = activityView(points);
  const minutes = points.length < 2
    ? ""
    : ` over ${
      Math.max(1, Math.round(((points.at(-1)?.at ?? 0) - (points[0]?.at ?? 0)) / 60_000))
    } min`;
  const rows: [string, string, readonly number[], string][] = [
    ["memory", "Memory", a.memoryMiB, a.memoryNow || "not running"],
    ["cpu", "CPU", a.cpuPercent, a.cpuNow || "not running"],
    ["calls", "Calls", a.calls, `${a.callsPerMinute} in the last minute`],
    [
      "errors",
      "Errors",
      a.errors,
      `${a.errorsPerMinute} in the last minute${a.errorRate === "" ? "" : ` (${a.errorRate})`}`,
    ],
  ];
  return (
    <section aria-labelledby="activity-heading">
      <h3 id="activity-heading">Activity{minutes}</h3>
      {points.length === 0 && (
        <p class="muted">No samples yet: they are taken every second while it runs.</p>
      )}
      <dl class="activity">
        {rows.map(([key, name, values, figure]) => (
          <div key={key} class={`metric ${key}`}>
            <dt>{name}</dt>
            <dd>
              <Sparkline
                values={values}
                label={`${name}${minutes}: ${figure}`}
                width={240}
                height={40}
              />
              <span class="figure">{figure}</span>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
