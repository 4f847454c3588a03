/**
 * Starts the web UI: {@linkcode uiApp} served with `Deno.serve` on
 * `127.0.0.1`, behind a fresh random start token.
 *
 * @module
 */
import type { Conductor } from "../../conductor/mod.ts";
import { SymphonyError } from "../../symphony_error.ts";
import { bundleClient } from "./bundle_client.ts";
import { randomToken } from "./_random_token.ts";
import { uiApp } from "./ui_app.ts";

/** The port the UI listens on when none is given. */
export const DEFAULT_UI_PORT = 7777;

/** Options for {@linkcode serveUi}. */
export interface ServeUiOptions {
  /** The host whose extensions the UI shows and changes. */
  conductor: Conductor;
  /** The port; 0 picks a free one. Default: {@linkcode DEFAULT_UI_PORT}. */
  port?: number;
  /**
   * When the port is taken, try this many following ports before giving up
   * (as Jupyter does for its default port). Default: 0.
   */
  portRetries?: number;
  /** Stops the server: open event streams end, then the listener closes. */
  signal?: AbortSignal;
  /** A token that opens a viewer session. Default: none. */
  viewerToken?: string;
  /** Where faults of the host go. Default: `console.error`. */
  onInternalError?: (error: unknown) => void;
  /**
   * The page's script. Default: the client, bundled once by
   * {@linkcode bundleClient} as the server starts.
   */
  clientScript?: () => Promise<string>;
}

/** A running UI server. Disposing it stops it. */
export interface ServedUi extends AsyncDisposable {
  /** What to open: `http://127.0.0.1:<port>/?token=<token>`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** The start token (hex): it opens an admin session. */
  token: string;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/**
 * Serves the UI on `127.0.0.1` until the signal aborts (or the result is
 * disposed). It listens once this returns; the client's script is bundled
 * (`deno bundle`, needs `--allow-run`) in the background meanwhile.
 *
 * @param options The Conductor, the port and the signal.
 * @returns The URL to open, with the start token, and how to stop it.
 * @throws {SymphonyError} `ResourceExhausted` when the port (and every retry) is taken.
 *
 * @example Serve on a free port and sign in over HTTP
 * ```ts
 * import { serveUi } from "./serve_ui.ts";
 * import { Conductor } from "../../conductor/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const home = await Deno.makeTempDir();
 * await using conductor = new Conductor({ home, workspace: home });
 * {
 *   await using served = serveUi({ conductor, port: 0 });
 *   assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
 *   const response = await fetch(served.url, { redirect: "manual" });
 *   await response.body?.cancel();
 *   assert.equal(response.status, 303);
 * }
 * await Deno.remove(home, { recursive: true });
 * ```
 */
export function serveUi(options: ServeUiOptions): ServedUi {
  const stop = new AbortController();
  const signal = options.signal === undefined
    ? stop.signal
    : AbortSignal.any([options.signal, stop.signal]);
  const token = randomToken();
  const first = options.port ?? DEFAULT_UI_PORT;
  const retries = first === 0 ? 0 : options.portRetries ?? 0;
  let handler: (request: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  for (let port = first; server === undefined; port++) {
    try {
      server = Deno.serve(
        { hostname: "127.0.0.1", port, signal, onListen: () => {} },
        (request) => handler(request),
      );
    } catch (cause) {
      if (!(cause instanceof Deno.errors.AddrInUse) || port >= first + retries) {
        const why = cause instanceof Deno.errors.AddrInUse
          ? "the port is in use (choose another with --port or $SYMPHONY_PORT)"
          : (cause as Error).message;
        throw new SymphonyError(
          cause instanceof Deno.errors.AddrInUse ? "ResourceExhausted" : "Internal",
          `Cannot serve the UI on 127.0.0.1:${port}: ${why}`,
          { cause },
        );
      }
    }
  }
  const { port } = server.addr;
  let bundling: Promise<string> | undefined;
  const clientScript = options.clientScript ?? (() => bundling ??= bundleClient({ signal }));
  // Built now, so that the first page load does not wait for it; a failure
  // reaches onInternalError when the page asks for the script.
  if (options.clientScript === undefined) clientScript().catch(() => {});
  const app = uiApp({
    conductor: options.conductor,
    token,
    host: `127.0.0.1:${port}`,
    signal,
    clientScript,
    ...(options.viewerToken === undefined ? {} : { viewerToken: options.viewerToken }),
    ...(options.onInternalError === undefined ? {} : { onInternalError: options.onInternalError }),
  });
  handler = (request) => app.fetch(request);
  const finished = server.finished;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    finished,
    async [Symbol.asyncDispose](): Promise<void> {
      stop.abort();
      await finished;
      await bundling?.catch(() => {});
    },
  };
}
