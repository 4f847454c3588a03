/**
 * The web UI's server as a Hono app: the JSON API under `/api` over a
 * {@linkcode Conductor}, the live event stream, and the page. It is a value
 * with no side effects: {@linkcode serveUi} starts it with `Deno.serve`,
 * tests call `app.request()`.
 *
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie, setCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import type { Conductor } from "../../conductor/mod.ts";
import { SymphonyError } from "../../symphony_error.ts";
import { APP_CSS } from "./_app_css.ts";
import { auditRoutes } from "./_audit_routes.ts";
import { errorResponse } from "./_error_response.ts";
import { eventStream } from "./_event_stream.ts";
import { extensionRoutes } from "./_extension_routes.ts";
import { motifRoutes } from "./_motif_routes.ts";
import { installRoutes } from "./_install_routes.ts";
import { originGuard } from "./_origin_guard.ts";
import { page } from "./_page.ts";
import { sameSecret } from "./_same_secret.ts";
import { type Role, SessionStore } from "./_session_store.ts";
import { type ApiEnv, sessionCookie, sessionGuard } from "./_session_guard.ts";

/** Options for {@linkcode uiApp}. */
export interface UiAppOptions {
  /** The host whose extensions the UI shows and changes. */
  conductor: Conductor;
  /** The start token: `GET /?token=<token>` opens an admin session. */
  token: string;
  /** A second token that opens a viewer session (reads only). Default: none. */
  viewerToken?: string;
  /** The bound address, `127.0.0.1:<port>`: requests for another `Host` or from another origin are refused. */
  host: string;
  /** The clock, in ms. Default: `Date.now`. */
  now?: () => number;
  /** A session unused this long ends, in ms. Default: 12 hours. */
  sessionIdleMs?: number;
  /** Ends the open event streams: the server is stopping. */
  signal?: AbortSignal;
  /** Time between keep-alive comments on the event stream, in ms. Default: 15,000. */
  heartbeatMs?: number;
  /**
   * Where faults of the host go (errors that are not a `SymphonyError`): the
   * client sees only `Internal`. Default: `console.error`.
   */
  onInternalError?: (error: unknown) => void;
  /**
   * The page's script, served at `/app.js`: called on each request for it
   * (return the same promise to build it once). {@linkcode serveUi} passes the
   * client bundled by {@linkcode bundleClient}; tests may pass a stub.
   * Default: no script (`/app.js` is not found).
   */
  clientScript?: () => Promise<string>;
}

/** Request bodies larger than this are refused. */
const MAX_BODY_BYTES = 1024 * 1024;

const HOME = page(
  "",
  `<link rel="stylesheet" href="/app.css">
<noscript><main><h1>Symphony</h1><p>The UI needs JavaScript; the JSON API is under <code>/api</code>.</p></main></noscript>
<div id="app"></div>
<script type="module" src="/app.js"></script>`,
);

const SIGN_IN = page(
  "sign in",
  `<main>
<h1>Symphony</h1>
<p>This page needs a session: open the URL with the token that <code>symphony dev</code> printed.</p>
</main>`,
);

/**
 * Makes the UI's Hono app.
 *
 * - `GET /?token=<token>` opens a session (an HttpOnly, SameSite=Strict
 *   cookie) and redirects to `/`; a wrong token gets 401.
 * - `GET /app.js` (the client, when `clientScript` is given) and `GET /app.css`.
 * - `GET /api/session`: the role and the CSRF token that state-changing
 *   requests send in `X-CSRF-Token`.
 * - `GET /api/extensions`, `GET /api/extensions/:id`; admin only:
 *   `POST /api/extensions/:id/{start,stop,restart,enable,disable,suspend,resume}`,
 *   `POST` and `DELETE /api/extensions/:id/grants`, `PUT /api/extensions/:id/settings`,
 *   `POST /api/extensions/:id/trust`, `POST /api/extensions/:id/call` (`{ method, input }`:
 *   the result, or the extension's error with its code).
 * - `GET /api/extensions/:id/panel`: a motif's panel tree; `POST
 *   /api/extensions/:id/panel/event` (admin): a click or input, answered with a
 *   new tree. Trees are checked; a refused one is `InvalidOutput`.
 * - Admin only: `POST /api/install/review` and `POST /api/install` (a package
 *   directory on this machine), `POST /api/extensions/:id/uninstall`.
 * - `GET /api/audit?ext=&kind=&since=&until=&limit=`, `GET /api/audit/verify`.
 * - `GET /api/events`: the event bus as Server-Sent Events.
 *
 * Errors are `{ "error": { "code", "message" } }` with the contract's code.
 * What a session changes is audited as `ui:<role>#<n> (<the host's actor>)`,
 * `n` counting the sessions this app opened.
 *
 * @param options The Conductor, the tokens and the bound address.
 * @returns The app; `app.fetch` answers requests.
 *
 * @example Sign in with the token, then read the session
 * ```ts
 * import { uiApp } from "./ui_app.ts";
 * import { Conductor } from "../../conductor/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const home = await Deno.makeTempDir();
 * await using conductor = new Conductor({ home, workspace: home });
 * const app = uiApp({ conductor, token: "s3cret", host: "127.0.0.1:7777" });
 * const base = "http://127.0.0.1:7777";
 * assert.equal((await app.request(`${base}/api/session`)).status, 401);
 * const signIn = await app.request(`${base}/?token=s3cret`);
 * assert.equal(signIn.status, 303);
 * assert.equal(signIn.headers.get("location"), "/");
 * const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
 * const session = await app.request(`${base}/api/session`, { headers: { cookie } });
 * assert.equal((await session.json()).role, "admin");
 * await Deno.remove(home, { recursive: true });
 * ```
 */
export function uiApp(options: UiAppOptions): Hono {
  const { conductor } = options;
  if (options.viewerToken !== undefined && options.viewerToken === options.token) {
    throw new TypeError("The viewer token must differ from the start token");
  }
  const cookie = sessionCookie(options.host);
  const hostActor = conductor.actor;
  const sessions = new SessionStore({
    now: options.now ?? Date.now,
    idleMs: options.sessionIdleMs ?? 12 * 60 * 60_000,
    max: 1_000,
  });
  const onInternalError = options.onInternalError ?? ((error) => console.error(error));
  const roleOf = (token: string): Role | undefined =>
    sameSecret(token, options.token)
      ? "admin"
      : options.viewerToken !== undefined && sameSecret(token, options.viewerToken)
      ? "viewer"
      : undefined;

  const api = new Hono<ApiEnv>();
  api.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        errorResponse(
          c,
          new SymphonyError(
            "ResourceExhausted",
            `Cannot accept the request body: it is over ${MAX_BODY_BYTES} bytes`,
          ),
          413,
        ),
    }),
    sessionGuard(sessions, cookie),
    async (c, next) => {
      // What a session changes is audited as its own, beside the host's user.
      const { role, number } = c.get("session");
      c.set("actor", `ui:${role}#${number} (${hostActor})`);
      await next();
      c.header("Cache-Control", "no-store");
    },
  );
  api.get("/session", (c) => {
    const { role, csrfToken } = c.get("session");
    return c.json({ role, csrfToken });
  });
  api.route("/extensions", extensionRoutes(conductor));
  api.route("/extensions", motifRoutes(conductor));
  api.route("/audit", auditRoutes(conductor));
  api.route("/", installRoutes(conductor));
  api.get("/events", (c) =>
    eventStream(c, {
      events: conductor.events,
      signal: options.signal,
      heartbeatMs: options.heartbeatMs ?? 15_000,
    }));

  const app = new Hono();
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: "DENY",
      strictTransportSecurity: false,
    }),
    originGuard(options.host),
  );
  app.get("/", (c) => {
    c.header("Cache-Control", "no-store");
    const token = c.req.query("token");
    if (token !== undefined) {
      const role = roleOf(token);
      if (role === undefined) return c.html(SIGN_IN, 401);
      setCookie(c, cookie, sessions.open(role).id, {
        httpOnly: true,
        sameSite: "Strict",
        path: "/",
      });
      // The token leaves the address bar and the history.
      return c.redirect("/", 303);
    }
    if (sessions.find(getCookie(c, cookie)) === undefined) return c.html(SIGN_IN, 401);
    return c.html(HOME);
  });
  app.get("/app.css", (c) => {
    c.header("Content-Type", "text/css; charset=utf-8");
    c.header("Cache-Control", "no-cache");
    return c.body(APP_CSS);
  });
  const { clientScript } = options;
  if (clientScript !== undefined) {
    app.get("/app.js", async (c) => {
      const script = await clientScript();
      c.header("Content-Type", "text/javascript; charset=utf-8");
      c.header("Cache-Control", "no-cache");
      return c.body(script);
    });
  }
  app.route("/api", api);
  app.notFound((c) =>
    c.req.path === "/api" || c.req.path.startsWith("/api/")
      ? errorResponse(
        c,
        new SymphonyError("NotFound", `Cannot ${c.req.method} ${c.req.path}: no such endpoint`),
      )
      : c.html(page("not found", "<main><h1>Not found</h1></main>"), 404)
  );
  app.onError((error, c) => {
    if (!(error instanceof SymphonyError) || error.code === "Internal") onInternalError(error);
    return errorResponse(c, error);
  });
  return app;
}
