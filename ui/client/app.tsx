/**
 * The UI's shell: the session, the navigation, hash routing between the
 * pages, and the live event stream: state changes, crashes and permission
 * denials update every page and are announced in an `aria-live` region;
 * activity points and log lines feed the sparklines and logs.
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
import { announcementOf, applyEvent, type BusMessage, reloads } from "./host_events.ts";
import { type Live, NO_EVENTS } from "./live.ts";

/** Reloads asked for within this many ms are one. */
const RELOAD_MS = 250;

/** A page the hash names. */
type Route =
  | { page: "extensions" }
  | { page: "extension"; id: string }
  | { page: "audit"; extension?: string }
  | { page: "install" };

function routeOf(hash: string): Route {
  const path = hash.replace(/^#\/?/, "");
  if (path.startsWith("extensions/")) {
    return { page: "extension", id: decodeURIComponent(path.slice("extensions/".length)) };
  }
  if (path === "install") return { page: "install" };
  if (path === "audit") return { page: "audit" };
  if (path.startsWith("audit?")) {
    const extension = new URLSearchParams(path.slice("audit?".length)).get("ext");
    return extension === null ? { page: "audit" } : { page: "audit", extension };
  }
  return { page: "extensions" };
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
  const [live, setLive] = useState<Live>(NO_EVENTS);
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
    // Reloads asked for within RELOAD_MS of each other are one.
    let reload: number | undefined;
    source.onmessage = (message: MessageEvent<string>): void => {
      let event: BusMessage;
      try {
        event = JSON.parse(message.data) as BusMessage;
      } catch {
        return;
      }
      setLive((old) => applyEvent(old, event));
      const announcement = announcementOf(event);
      if (announcement !== "") setAnnouncement(announcement);
      if (reloads(event) && reload === undefined) {
        reload = setTimeout(() => {
          reload = undefined;
          setLive((old) => ({ ...old, tick: old.tick + 1 }));
        }, RELOAD_MS);
      }
    };
    return (): void => {
      source.close();
      clearTimeout(reload);
    };
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
          ? (
            <AuditPage
              key={route.extension ?? ""}
              api={api}
              live={live}
              {...(route.extension === undefined ? {} : { extension: route.extension })}
            />
          )
          : route.page === "install"
          ? <InstallPage api={api} />
          : <ExtensionsPage api={api} live={live} />}
      </main>
    </>
  );
}
