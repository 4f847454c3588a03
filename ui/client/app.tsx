/**
 * The UI's shell: the session, the navigation, hash routing between the
 * pages, and the live event stream, whose state changes update every page
 * and are announced in an `aria-live` region.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Api, errorText } from "./api.ts";
import { AuditPage } from "./audit_page.tsx";
import { ExtensionPage } from "./extension_page.tsx";
import { ExtensionsPage } from "./extensions_page.tsx";
import { InstallPage } from "./install_page.tsx";
import type { Live } from "./live.ts";

/** A page the hash names. */
type Route =
  | { page: "extensions" }
  | { page: "extension"; id: string }
  | { page: "audit" }
  | { page: "install" };

function routeOf(hash: string): Route {
  const path = hash.replace(/^#\/?/, "");
  if (path.startsWith("extensions/")) {
    return { page: "extension", id: decodeURIComponent(path.slice("extensions/".length)) };
  }
  if (path === "install") return { page: "install" };
  return path === "audit" ? { page: "audit" } : { page: "extensions" };
}

interface StateChangeEvent {
  topic: string;
  payload: { id?: unknown; from?: unknown; to?: unknown; reason?: unknown };
}

/**
 * The whole UI.
 *
 * @returns The page for the current hash, under the navigation.
 */
export function App(): JSX.Element {
  const [api, setApi] = useState<Api | undefined>(undefined);
  const [admin, setAdmin] = useState(false);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [route, setRoute] = useState<Route>(() => routeOf(location.hash));
  const [live, setLive] = useState<Live>({ states: {}, tick: 0 });
  const [announcement, setAnnouncement] = useState("");

  useEffect(() => {
    Api.session().then((session) => {
      setApi(new Api(session));
      setAdmin(session.role === "admin");
    }, (error: unknown) => setFailure(errorText(error)));
    const onHash = (): void => setRoute(routeOf(location.hash));
    addEventListener("hashchange", onHash);
    return (): void => removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    if (api === undefined) return;
    const source = new EventSource("/api/events");
    source.onmessage = (message: MessageEvent<string>): void => {
      let event: StateChangeEvent;
      try {
        event = JSON.parse(message.data) as StateChangeEvent;
      } catch {
        return;
      }
      const { id, from, to } = event.payload ?? {};
      if (event.topic === "extension.state" && typeof id === "string" && typeof to === "string") {
        setLive((old) => ({ states: { ...old.states, [id]: to }, tick: old.tick + 1 }));
        setAnnouncement(`${id}: ${String(from)} → ${to}`);
      } else {
        setLive((old) => ({ ...old, tick: old.tick + 1 }));
      }
    };
    return (): void => source.close();
  }, [api]);

  useEffect(() => {
    const names = {
      extensions: "Extensions",
      extension: "Extension",
      audit: "Audit",
      install: "Install",
    };
    document.title = `Symphony — ${names[route.page]}`;
  }, [route]);

  return (
    <>
      <header class="top">
        <h1>Symphony</h1>
        <nav aria-label="Pages">
          <ul>
            <li>
              <a
                href="#/"
                aria-current={route.page === "extensions" || route.page === "extension"
                  ? "page"
                  : undefined}
              >
                Extensions
              </a>
            </li>
            <li>
              <a href="#/audit" aria-current={route.page === "audit" ? "page" : undefined}>
                Audit
              </a>
            </li>
            {admin && (
              <li>
                <a href="#/install" aria-current={route.page === "install" ? "page" : undefined}>
                  Install
                </a>
              </li>
            )}
          </ul>
        </nav>
        <span class="muted">
          {api === undefined ? "" : admin ? "Signed in as admin" : "Viewer"}
        </span>
      </header>
      <p class="status" role="status" aria-live="polite" id="live-status">{announcement}</p>
      <main>
        {failure !== undefined
          ? (
            <p role="alert" class="bad">
              Cannot sign in: {failure}. Open the URL with the token that symphony dev printed.
            </p>
          )
          : api === undefined
          ? <p>Loading…</p>
          : route.page === "extension"
          ? <ExtensionPage key={route.id} api={api} id={route.id} admin={admin} live={live} />
          : route.page === "audit"
          ? <AuditPage api={api} live={live} />
          : route.page === "install"
          ? <InstallPage api={api} />
          : <ExtensionsPage api={api} live={live} />}
      </main>
    </>
  );
}
