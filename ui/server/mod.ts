/**
 * The web UI's server.
 *
 * - {@linkcode uiApp}: the Hono app (JSON API, event stream, page) over a Conductor.
 * - {@linkcode serveUi}: serves it on `127.0.0.1` behind a start token.
 * - {@linkcode bundleClient}: bundles the Preact client (`ui/client/`) for the page.
 * - {@linkcode ROLES}: `viewer` reads, `admin` also changes.
 * - The API's shapes: {@linkcode ExtensionSummary}, {@linkcode ExtensionDetail},
 *   {@linkcode PermissionColumns}.
 *
 * @module
 */
export { DEFAULT_UI_PORT, type ServedUi, serveUi, type ServeUiOptions } from "./serve_ui.ts";
export { uiApp, type UiAppOptions } from "./ui_app.ts";
export { type Role, ROLES } from "./_session_store.ts";
export { bundleClient, type BundleClientOptions } from "./bundle_client.ts";
export type { ExtensionSummary } from "./_extension_summary.ts";
export type { ExtensionDetail } from "./_extension_detail.ts";
export type { PermissionColumns } from "./_extension_permissions.ts";
