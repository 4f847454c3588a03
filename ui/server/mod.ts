/**
 * The web UI's server.
 *
 * - {@linkcode uiApp}: the Hono app (JSON API, event stream, page) over a Conductor.
 * - {@linkcode serveUi}: serves it on `127.0.0.1` behind a start token.
 * - {@linkcode ROLES}: `viewer` reads, `admin` also changes.
 *
 * @module
 */
export { DEFAULT_UI_PORT, type ServedUi, serveUi, type ServeUiOptions } from "./serve_ui.ts";
export { uiApp, type UiAppOptions } from "./ui_app.ts";
export { type Role, ROLES } from "./_session_store.ts";
