/**
 * The extension detail page: manifest summary, lifecycle actions (admin),
 * activity sparklines, permissions, settings, recent logs, restart history
 * and its audit records.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ActivityPanel } from "./activity_panel.tsx";
import type { AuditRecord, ExtensionDetail } from "./api_types.ts";
import { type Api, errorText } from "./api.ts";
import { AuditTable } from "./audit_table.tsx";
import { CallPanel } from "./call_panel.tsx";
import { joined, type Live, LOGS_KEPT, POINTS_KEPT } from "./live.ts";
import { LogPanel } from "./log_panel.tsx";
import { MotifPanel } from "./motif_panel.tsx";
import { PermissionsPanel } from "./permissions_panel.tsx";
import { SettingsPanel } from "./settings_panel.tsx";

/** Props of {@linkcode ExtensionPage}. */
export interface ExtensionPageProps {
  api: Api;
  id: string;
  admin: boolean;
  live: Live;
}

/**
 * The methods an extension's manifest names.
 *
 * @param detail The extension.
 * @returns Its operator functions, its instrument's method, a motif's `render`.
 */
function methodsOf(detail: ExtensionDetail): string[] {
  const { operator, instrument } = detail.manifest;
  return [
    ...(operator?.functions ?? []).map((f) => f.name),
    ...(instrument?.method === undefined ? [] : [instrument.method]),
    ...(detail.type === "motif" ? ["render"] : []),
  ];
}

/** Audit records shown on the page; the audit page has them all. */
const AUDIT_SHOWN = 20;

const ACTIONS = ["start", "stop", "restart", "suspend", "resume", "enable", "disable"] as const;

/**
 * One extension's page.
 *
 * @param props The API, the extension and the role.
 * @returns The page.
 */
export function ExtensionPage({ api, id, admin, live }: ExtensionPageProps): JSX.Element {
  const [detail, setDetail] = useState<ExtensionDetail | undefined>(undefined);
  const [records, setRecords] = useState<AuditRecord[]>([]);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const path = `/api/extensions/${encodeURIComponent(id)}`;

  const load = async (): Promise<void> => {
    try {
      const [loaded, audit] = await Promise.all([
        api.get<ExtensionDetail>(path),
        api.get<{ records: AuditRecord[] }>(
          `/api/audit?${new URLSearchParams({ ext: id, limit: String(AUDIT_SHOWN) })}`,
        ),
      ]);
      setDetail(loaded);
      setRecords(audit.records);
      setFailure(undefined);
    } catch (error) {
      setFailure(errorText(error));
    }
  };
  useEffect(() => void load(), [api, id, live.tick]);

  const run = async (what: string, action: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    try {
      await action();
      setMessage(`${what}: done`);
    } catch (error) {
      setMessage(`${what} failed: ${errorText(error)}`);
    } finally {
      setBusy(false);
      await load();
    }
  };

  if (detail === undefined) {
    return failure === undefined
      ? <p>Loading…</p>
      : <p role="alert" class="bad">Cannot show {id}: {failure}</p>;
  }
  const state = live.states[id] ?? detail.state;
  return (
    <>
      <p>
        <a href="#/">← Extensions</a>
      </p>
      <h2>
        {detail.name} <span class="muted">{detail.id}</span>
      </h2>
      <dl class="summary">
        <dt>Version</dt>
        <dd>{detail.version}</dd>
        <dt>Type</dt>
        <dd>{detail.type}</dd>
        <dt>Trust</dt>
        <dd>{detail.trust}</dd>
        <dt>State</dt>
        <dd id="extension-state" aria-live="polite">
          {state}
          {detail.suspended && " (suspended)"}
        </dd>
        {detail.disabled !== null && (
          <>
            <dt>Disabled</dt>
            <dd>{detail.disabled.at}: {detail.disabled.reason}</dd>
          </>
        )}
        <dt>Installed</dt>
        <dd>{detail.installedAt}</dd>
        <dt>Calls from other extensions</dt>
        <dd>{detail.calls.ok} ok, {detail.calls.failed} failed</dd>
        {detail.manifest.description !== undefined && (
          <>
            <dt>Description</dt>
            <dd>{detail.manifest.description}</dd>
          </>
        )}
      </dl>
      {admin && (
        <section aria-labelledby="actions-heading">
          <h3 id="actions-heading">Actions</h3>
          <div class="actions">
            {ACTIONS.map((action) => (
              <button
                key={action}
                type="button"
                disabled={busy}
                onClick={(): Promise<void> =>
                  run(action, () => api.send("POST", `${path}/${action}`))}
              >
                {action[0]?.toUpperCase()}
                {action.slice(1)}
              </button>
            ))}
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={(): void => {
                if (!confirm(`Uninstall ${id}? Its code, data and settings are removed.`)) return;
                void run("uninstall", async () => {
                  await api.send("POST", `${path}/uninstall`, {});
                  location.hash = "#/";
                });
              }}
            >
              Uninstall
            </button>
          </div>
        </section>
      )}
      <p class="status" role="status" aria-live="polite" id="action-status">{message}</p>
      <ActivityPanel
        points={joined(detail.activity, live.activity[id], (p) => p.at, POINTS_KEPT)}
      />
      {detail.type === "motif" && <MotifPanel api={api} id={id} admin={admin} />}
      {admin && <CallPanel api={api} id={id} methods={methodsOf(detail)} />}
      <PermissionsPanel
        permissions={detail.permissions}
        admin={admin}
        busy={busy}
        onChange={(kind, value, grant): void =>
          void run(
            `${grant ? "Grant" : "Revoke"} ${kind} ${value}`,
            () => api.send(grant ? "POST" : "DELETE", `${path}/grants`, { kind, value }),
          )}
      />
      <SettingsPanel
        api={api}
        id={id}
        schema={detail.settings.schema}
        values={detail.settings.values}
        admin={admin}
        onSaved={(_values, name): void => {
          setMessage(`Saved ${name}`);
          void load();
        }}
      />
      <section aria-labelledby="history-heading">
        <h3 id="history-heading">Restart history</h3>
        {detail.history.length === 0
          ? <p class="muted">Nothing recorded.</p>
          : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Event</th>
                    <th scope="col">Code</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.history.map((entry, index) => (
                    <tr key={index}>
                      <td>{entry.at}</td>
                      <td>{entry.event}</td>
                      <td>{entry.code ?? ""}</td>
                      <td>{entry.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </section>
      <LogPanel lines={joined(detail.logs, live.logs[id], (l) => l.seq, LOGS_KEPT)} />
      <section aria-labelledby="audit-heading">
        <h3 id="audit-heading">Audit records</h3>
        {records.length === 0 ? <p class="muted">None.</p> : (
          <AuditTable
            records={records}
            caption={`Its latest ${records.length} record${records.length === 1 ? "" : "s"}`}
            extensionColumn={false}
          />
        )}
        <p>
          <a href={`#/audit?${new URLSearchParams({ ext: id })}`}>All of its audit records</a>
        </p>
      </section>
    </>
  );
}
