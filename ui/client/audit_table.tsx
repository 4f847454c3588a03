/**
 * A table of audit records, latest first: the audit page's and the
 * extension page's.
 *
 * @module
 */
import type { JSX } from "preact";
import type { AuditRecord } from "./api_types.ts";

/** Props of {@linkcode AuditTable}. */
export interface AuditTableProps {
  /** Oldest first, as the API answers. */
  records: readonly AuditRecord[];
  caption: string;
  /** Show the extension column. Default: true. */
  extensionColumn?: boolean;
}

/**
 * The records, latest first.
 *
 * @param props The records and the caption.
 * @returns The table.
 */
export function AuditTable(
  { records, caption, extensionColumn = true }: AuditTableProps,
): JSX.Element {
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">When</th>
            <th scope="col">Kind</th>
            {extensionColumn && <th scope="col">Extension</th>}
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
              {extensionColumn && <td>{record.extension ?? ""}</td>}
              <td>{record.actor}</td>
              <td>
                <pre class="detail">{JSON.stringify(record.detail)}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
