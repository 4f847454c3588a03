/**
 * The extensions page: every installed extension, its live state, restarts
 * and calls, with a filter box.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { ExtensionSummary } from "./api_types.ts";
import { type Api, errorText } from "./api.ts";
import type { Live } from "./live.ts";

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

  useEffect(() => {
    let current = true;
    api.get<{ extensions: ExtensionSummary[] }>("/api/extensions").then(
      (answer) => current && (setExtensions(answer.extensions), setFailure(undefined)),
      (error: unknown) => current && setFailure(errorText(error)),
    );
    return (): void => void (current = false);
  }, [api, live.tick]);

  const needle = filter.trim().toLowerCase();
  const shown = (extensions ?? []).filter((e) =>
    needle === "" ||
    [e.id, e.name, e.type, e.trust, live.states[e.id] ?? e.state].some((text) =>
      text.toLowerCase().includes(needle)
    )
  );
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
                <th scope="col">Restarts</th>
                <th scope="col">Calls (ok / failed)</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => (
                <tr key={e.id} data-id={e.id}>
                  <th scope="row">
                    <a href={`#/extensions/${encodeURIComponent(e.id)}`}>{e.id}</a>
                    {e.dev && <span class="badge muted">dev</span>}
                  </th>
                  <td>{e.type}</td>
                  <td>{e.version}</td>
                  <td>{e.trust}</td>
                  <td class="state">{live.states[e.id] ?? e.state}</td>
                  <td>{e.restarts}</td>
                  <td>{e.calls.ok} / {e.calls.failed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
