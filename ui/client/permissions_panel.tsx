/**
 * An extension's permissions in three columns — requested, granted, denied —
 * with grant and revoke buttons for admins.
 *
 * @module
 */
import type { JSX } from "preact";
import type { PermissionColumns } from "./api_types.ts";

/** Props of {@linkcode PermissionsPanel}. */
export interface PermissionsPanelProps {
  permissions: Record<string, PermissionColumns>;
  admin: boolean;
  /** Grants (true) or revokes (false) one value; the page reports the outcome. */
  onChange: (kind: string, value: string, grant: boolean) => void;
  busy: boolean;
}

/**
 * The permissions section.
 *
 * @param props The columns, the role and what a button does.
 * @returns The section.
 */
export function PermissionsPanel(props: PermissionsPanelProps): JSX.Element {
  const kinds = Object.entries(props.permissions).filter(([, c]) => c.requested.length > 0);
  const column = (
    name: "requested" | "granted" | "denied",
    title: string,
  ): JSX.Element => (
    <div>
      <h4 id={`perm-${name}`}>{title}</h4>
      {kinds.map(([kind, columns]) => (
        <ul key={kind} aria-labelledby={`perm-${name}`}>
          {columns[name].map((value) => (
            <li key={value} data-kind={kind} data-value={value}>
              <span class="badge">{kind}</span> <code>{value}</code>
              {props.admin && name === "granted" && (
                <button
                  type="button"
                  disabled={props.busy}
                  aria-label={`Revoke ${kind} ${value}`}
                  onClick={(): void => props.onChange(kind, value, false)}
                >
                  Revoke
                </button>
              )}
              {props.admin && name === "denied" && (
                <button
                  type="button"
                  disabled={props.busy}
                  aria-label={`Grant ${kind} ${value}`}
                  onClick={(): void => props.onChange(kind, value, true)}
                >
                  Grant
                </button>
              )}
            </li>
          ))}
        </ul>
      ))}
      {kinds.every(([, columns]) => columns[name].length === 0) && <p class="muted">None</p>}
    </div>
  );
  return (
    <section aria-labelledby="permissions-heading">
      <h3 id="permissions-heading">Permissions</h3>
      {kinds.length === 0 ? <p class="muted">It requests no permissions.</p> : (
        <div class="columns">
          {column("requested", "Requested")}
          {column("granted", "Granted")}
          {column("denied", "Denied")}
        </div>
      )}
    </section>
  );
}
