/**
 * The web UI that `deno task dev` serves: a Hono server over the Conductor
 * and the Preact client in `ui/client/` (extensions, extension detail, audit),
 * bundled by `deno bundle` when the server starts.
 *
 * - {@linkcode uiApp}: the Hono app as a value — the JSON API under `/api`,
 *   the Server-Sent Events stream `/api/events`, the page at `/`, with
 *   sessions from a start token, CSRF, Host and Origin checks, and the
 *   `viewer` and `admin` roles.
 * - {@linkcode serveUi}: serves it on `127.0.0.1` with a fresh token and
 *   returns the URL to open, `http://127.0.0.1:<port>/?token=<token>`.
 * - {@linkcode DEFAULT_UI_PORT}, {@linkcode ROLES} and the options' types.
 *
 * @module
 */
export {
  DEFAULT_UI_PORT,
  type Role,
  ROLES,
  type ServedUi,
  serveUi,
  type ServeUiOptions,
  uiApp,
  type UiAppOptions,
} from "./server/mod.ts";
