/**
 * The audit page: the chain's verification shown first, the records with
 * filters (extension, kind, time), and an export of what is shown as JSON
 * Lines.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { AuditRecord, AuditVerification } from "./api_types.ts";
import { type Api, errorText } from "./api.ts";
import { AuditTable } from "./audit_table.tsx";
import type { Live } from "./live.ts";

/** Props of {@linkcode AuditPage}. */
export interface AuditPageProps {
  api: Api;
  live: Live;
  /** The extension filter the page opens with (`#/audit?ext=<id>`). Default: all. */
  extension?: string;
}

/**
 * A `datetime-local` value, in the browser's time zone, as ISO 8601.
 *
 * @param local `2026-11-23T10:30`, or empty.
 * @returns The instant in UTC, or undefined for an empty or invalid value.
 */
function instant(local: string): string | undefined {
  const time = new Date(local).getTime();
  return local === "" || Number.isNaN(time) ? undefined : new Date(time).toISOString();
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
export function AuditPage(
  { api, live, extension: initialExtension = "" }: AuditPageProps,
): JSX.Element {
  const [records, setRecords] = useState<AuditRecord[] | undefined>(undefined);
  const [verification, setVerification] = useState<AuditVerification | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [extension, setExtension] = useState(initialExtension);
  const [kind, setKind] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");

  useEffect(() => {
    let current = true;
    const query = new URLSearchParams();
    if (extension !== "") query.set("ext", extension);
    if (kind !== "") query.set("kind", kind);
    const from = instant(since);
    const to = instant(until);
    if (from !== undefined) query.set("since", from);
    if (to !== undefined) query.set("until", to);
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
  }, [api, extension, kind, since, until, live.tick]);

  // The choices come from every record seen without filters, and the current ones.
  const [known, setKnown] = useState<{ extensions: string[]; kinds: string[] }>({
    extensions: [],
    kinds: [],
  });
  useEffect(() => {
    if (records === undefined) return;
    setKnown((old) => ({
      extensions: [
        ...new Set([
          ...old.extensions,
          ...records.flatMap((r) => r.extension ?? []),
          ...(extension === "" ? [] : [extension]),
        ]),
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
        <div>
          <label for="audit-since">From</label>
          <input
            id="audit-since"
            type="datetime-local"
            value={since}
            onChange={(e): void => setSince(e.currentTarget.value)}
          />
        </div>
        <div>
          <label for="audit-until">Until</label>
          <input
            id="audit-until"
            type="datetime-local"
            value={until}
            onChange={(e): void => setUntil(e.currentTarget.value)}
          />
        </div>
        {exportUrl !== undefined && (
          <a href={exportUrl} download="symphony-audit.jsonl">
            Export {records?.length ?? 0} records as JSON Lines
          </a>
        )}
      </div>
      {records === undefined
        ? <p>Loading…</p>
        : <AuditTable records={records} caption="Latest records first" />}
    </>
  );
}
