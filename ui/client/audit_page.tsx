/**
 * The audit page: the chain's verification shown first, the records with
 * filters (extension, kind), and an export of what is shown as JSON Lines.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { AuditRecord, AuditVerification } from "./api_types.ts";
import { type Api, errorText } from "./api.ts";
import type { Live } from "./live.ts";

/** Props of {@linkcode AuditPage}. */
export interface AuditPageProps {
  api: Api;
  live: Live;
}

/**
 * The line that says whether the chain holds.
 *
 * @param verification The server's check.
 * @returns "verified N records" or "broken at record N: reason".
 */
export function verificationText(verification: AuditVerification): string {
  return verification.ok
    ? `Audit chain verified: ${verification.count} records`
    : `Audit chain broken at record ${verification.brokenAt}: ${verification.reason}`;
}

/**
 * The audit trail.
 *
 * @param props The API and the live events.
 * @returns The page.
 */
export function AuditPage({ api, live }: AuditPageProps): JSX.Element {
  const [records, setRecords] = useState<AuditRecord[] | undefined>(undefined);
  const [verification, setVerification] = useState<AuditVerification | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [extension, setExtension] = useState("");
  const [kind, setKind] = useState("");

  useEffect(() => {
    let current = true;
    const query = new URLSearchParams();
    if (extension !== "") query.set("ext", extension);
    if (kind !== "") query.set("kind", kind);
    Promise.all([
      api.get<{ records: AuditRecord[] }>(`/api/audit?${query}`),
      api.get<AuditVerification>("/api/audit/verify"),
    ]).then(([list, verified]) => {
      if (!current) return;
      setRecords(list.records);
      setVerification(verified);
      setFailure(undefined);
    }, (error: unknown) => current && setFailure(errorText(error)));
    return (): void => void (current = false);
  }, [api, extension, kind, live.tick]);

  // The choices come from every record seen without filters, and the current ones.
  const [known, setKnown] = useState<{ extensions: string[]; kinds: string[] }>({
    extensions: [],
    kinds: [],
  });
  useEffect(() => {
    if (records === undefined) return;
    setKnown((old) => ({
      extensions: [
        ...new Set([...old.extensions, ...records.flatMap((r) => r.extension ?? [])]),
      ].sort(),
      kinds: [...new Set([...old.kinds, ...records.map((r) => r.kind)])].sort(),
    }));
  }, [records]);

  const exportUrl = useMemo(() => {
    if (records === undefined) return undefined;
    const lines = records.map((record) => JSON.stringify(record)).join("\n");
    return URL.createObjectURL(
      new Blob([lines === "" ? "" : `${lines}\n`], {
        type: "application/x-ndjson",
      }),
    );
  }, [records]);
  useEffect(() => (): void => {
    if (exportUrl !== undefined) URL.revokeObjectURL(exportUrl);
  }, [exportUrl]);

  return (
    <>
      <h2>Audit</h2>
      <p aria-live="polite" id="audit-verification">
        {verification === undefined
          ? "Verifying…"
          : (
            <span class={`verification ${verification.ok ? "ok" : "bad"}`}>
              {verificationText(verification)}
            </span>
          )}
      </p>
      {failure !== undefined && <p role="alert" class="bad">{failure}</p>}
      <div class="toolbar">
        <div>
          <label for="audit-extension">Extension</label>
          <select
            id="audit-extension"
            value={extension}
            onChange={(e): void => setExtension(e.currentTarget.value)}
          >
            <option value="">All</option>
            {known.extensions.map((id) => <option key={id} value={id}>{id}</option>)}
          </select>
        </div>
        <div>
          <label for="audit-kind">Kind</label>
          <select
            id="audit-kind"
            value={kind}
            onChange={(e): void => setKind(e.currentTarget.value)}
          >
            <option value="">All</option>
            {known.kinds.map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </div>
        {exportUrl !== undefined && (
          <a href={exportUrl} download="symphony-audit.jsonl">
            Export {records?.length ?? 0} records as JSON Lines
          </a>
        )}
      </div>
      {records === undefined ? <p>Loading…</p> : (
        <div class="table-wrap">
          <table>
            <caption class="muted">Latest records first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col">Extension</th>
                <th scope="col">Actor</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {[...records].reverse().map((record) => (
                <tr key={record.seq}>
                  <td>{record.seq}</td>
                  <td>{record.at}</td>
                  <td>{record.kind}</td>
                  <td>{record.extension ?? ""}</td>
                  <td>{record.actor}</td>
                  <td>
                    <pre class="detail">{JSON.stringify(record.detail)}</pre>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
