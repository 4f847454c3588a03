/**
 * The extensions page: every installed extension, its live state, memory,
 * CPU, calls and errors as sparklines over the last two minutes, and its
 * restarts, with a search box and filters by type and state.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { activityView } from "./activity.ts";
import type { ExtensionSummary } from "./api_types.ts";
import { type Api, errorText } from "./api.ts";
import { joined, type Live } from "./live.ts";
import { Sparkline } from "./sparkline.tsx";

/** The extension types, for the type filter. */
const TYPES = ["instrument", "operator", "motif"];

/** Points in each sparkline: two minutes at one a second. */
const SPARK_POINTS = 120;

/** One cell of activity: the sparkline and the latest figure, or a dash without points. */
function Metric(
  { kind, values, label, figure }: {
    kind: string;
    values: readonly number[];
    label: string;
    figure: string;
  },
): JSX.Element {
  return (
    <td class={`metric ${kind}`}>
      {figure === ""
        ? <span aria-label={`${label}: no samples`}>–</span>
        : (
          <span class="metric-cell">
            <Sparkline values={values} label={`${label}: ${figure}`} width={64} height={20} />
            <span>{figure}</span>
          </span>
        )}
    </td>
  );
}

/** Props of {@linkcode ExtensionsPage}. */
export interface ExtensionsPageProps {
  api: Api;
  live: Live;
}

/**
 * The table of installed extensions.
 *
 * @param props The API and the live events.
 * @returns The page.
 */
export function ExtensionsPage({ api, live }: ExtensionsPageProps): JSX.Element {
  const [extensions, setExtensions] = useState<ExtensionSummary[] | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [filter, setFilter] = useState("");
  const [type, setType] = useState("");
  const [state, setState] = useState("");

  useEffect(() => {
    let current = true;
    api.get<{ extensions: ExtensionSummary[] }>("/api/extensions").then(
      (answer) => current && (setExtensions(answer.extensions), setFailure(undefined)),
      (error: unknown) => current && setFailure(errorText(error)),
    );
    return (): void => void (current = false);
  }, [api, live.tick]);

  const needle = filter.trim().toLowerCase();
  const stateOf = (e: ExtensionSummary): string => live.states[e.id] ?? e.state;
  const shown = (extensions ?? []).filter((e) =>
    (type === "" || e.type === type) && (state === "" || stateOf(e) === state) &&
    (needle === "" ||
      [e.id, e.name, e.type, e.trust, stateOf(e)].some((text) =>
        text.toLowerCase().includes(needle)
      ))
  );
  const states = [...new Set((extensions ?? []).map(stateOf))].sort();
  return (
    <>
      <h2>Extensions</h2>
      <div class="toolbar">
        <div>
          <label for="extension-filter">Filter</label>
          <input
            id="extension-filter"
            type="search"
            value={filter}
            placeholder="id, type, trust or state"
            onInput={(event): void => setFilter(event.currentTarget.value)}
          />
        </div>
        <div>
          <label for="type-filter">Type</label>
          <select
            id="type-filter"
            value={type}
            onChange={(event): void => setType(event.currentTarget.value)}
          >
            <option value="">All</option>
            {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </div>
        <div>
          <label for="state-filter">State</label>
          <select
            id="state-filter"
            value={state}
            onChange={(event): void => setState(event.currentTarget.value)}
          >
            <option value="">All</option>
            {[...new Set([...states, ...(state === "" ? [] : [state])])].map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        </div>
        <p class="muted" aria-live="polite">
          {extensions === undefined ? "" : `${shown.length} of ${extensions.length} shown`}
        </p>
      </div>
      {failure !== undefined && <p role="alert" class="bad">{failure}</p>}
      {extensions === undefined ? <p>Loading…</p> : (
        <div class="table-wrap">
          <table>
            <caption class="muted">Installed extensions</caption>
            <thead>
              <tr>
                <th scope="col">Extension</th>
                <th scope="col">Type</th>
                <th scope="col">Version</th>
                <th scope="col">Trust</th>
                <th scope="col">State</th>
                <th scope="col">Memory</th>
                <th scope="col">CPU</th>
                <th scope="col">Calls / min</th>
                <th scope="col">Errors / min</th>
                <th scope="col">Restarts</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => {
                const a = activityView(
                  joined(e.activity, live.activity[e.id], (p) => p.at, SPARK_POINTS),
                );
                return (
                  <tr key={e.id} data-id={e.id}>
                    <th scope="row">
                      <a href={`#/extensions/${encodeURIComponent(e.id)}`}>{e.id}</a>
                      {e.dev && <span class="badge muted">dev</span>}
                    </th>
                    <td>{e.type}</td>
                    <td>{e.version}</td>
                    <td>{e.trust}</td>
                    <td class="state">{live.states[e.id] ?? e.state}</td>
                    <Metric
                      kind="memory"
                      values={a.memoryMiB}
                      label={`Memory of ${e.id}`}
                      figure={a.memoryNow}
                    />
                    <Metric
                      kind="cpu"
                      values={a.cpuPercent}
                      label={`CPU of ${e.id}`}
                      figure={a.cpuNow}
                    />
                    <Metric
                      kind="calls"
                      values={a.calls}
                      label={`Calls to ${e.id} in the last minute`}
                      figure={a.calls.length === 0 ? "" : String(a.callsPerMinute)}
                    />
                    <Metric
                      kind="errors"
                      values={a.errors}
                      label={`Failed calls to ${e.id} in the last minute`}
                      figure={a.errors.length === 0
                        ? ""
                        : `${a.errorsPerMinute}${a.errorRate === "" ? "" : ` (${a.errorRate})`}`}
                    />
                    <td>{e.restarts}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
