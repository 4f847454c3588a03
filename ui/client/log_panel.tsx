/**
 * The extension page's recent log lines, latest first, as they arrive.
 *
 * @module
 */
import type { JSX } from "preact";
import type { LogEntry } from "./api_types.ts";

/** Props of {@linkcode LogPanel}. */
export interface LogPanelProps {
  /** Oldest first. */
  lines: readonly LogEntry[];
}

/**
 * The log lines, latest first.
 *
 * @param props The lines.
 * @returns The section.
 */
export function LogPanel({ lines }: LogPanelProps): JSX.Element {
  return (
    <section aria-labelledby="logs-heading">
      <h3 id="logs-heading">Recent logs</h3>
      {lines.length === 0
        ? <p class="muted">Nothing logged since the host started.</p>
        : (
          <div class="table-wrap log">
            <table>
              <caption class="muted">Latest first, {lines.length} lines</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Level</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {[...lines].reverse().map((line) => (
                  <tr key={line.seq} class={`level-${line.level}`}>
                    <td>{line.at.slice(11, 23)}</td>
                    <td>{line.level}</td>
                    <td>
                      <pre class="detail">{line.message}</pre>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}
