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
import type { ActivityPoint, LogEntry } from "./api_types.ts";
import { appendFor, type Live, LOGS_KEPT, NO_EVENTS, POINTS_KEPT } from "./live.ts";

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

/** An event of `/api/events`, as far as the shell reads it. */
interface HostEvent {
  topic: string;
  payload: Record<string, unknown> | null;
}

/** The states every call moves between: neither news nor a reason to reload. */
const QUIET_STATES = new Set(["ready", "busy"]);

/** What one event changes in the live view. */
function applyEvent(live: Live, event: HostEvent): Live {
  const payload = event.payload ?? {};
  const id = payload["id"];
  if (typeof id !== "string") return { ...live, tick: live.tick + 1 };
  switch (event.topic) {
    case "extension.sample":
      return {
        ...live,
        activity: appendFor(live.activity, id, payload as unknown as ActivityPoint, POINTS_KEPT),
      };
    case "extension.log":
      return { ...live, logs: appendFor(live.logs, id, payload as unknown as LogEntry, LOGS_KEPT) };
    case "extension.state": {
      // Every call goes ready → busy → ready: the state shown changes, but
      // the pages need not reload for it (a motif's click would wait on it).
      const quiet = QUIET_STATES.has(String(payload["from"])) &&
        QUIET_STATES.has(String(payload["to"]));
      return {
        ...live,
        states: { ...live.states, [id]: String(payload["to"]) },
        tick: quiet ? live.tick : live.tick + 1,
      };
    }
    default:
      return { ...live, tick: live.tick + 1 };
  }
}

/** What is announced to screen readers of one event; empty: nothing. */
function announcementOf(event: HostEvent): string {
  const payload = event.payload ?? {};
  const id = String(payload["id"]);
  switch (event.topic) {
    case "extension.state": {
      // Every call goes busy and back: that is activity, not news.
      return QUIET_STATES.has(String(payload["from"])) && QUIET_STATES.has(String(payload["to"]))
        ? ""
        : `${id}: ${String(payload["from"])} → ${String(payload["to"])}`;
    }
    case "extension.crashed":
      return `${id} ${payload["kind"] === "limit-kill" ? "was stopped at a limit" : "crashed"}${
        payload["disabled"] === true ? " and is disabled" : ""
      }: ${String(payload["reason"])}`;
    case "extension.denied":
      return `${id}: permission denied in ${String(payload["method"])}`;
    default:
      return "";
  }
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
    source.onmessage = (message: MessageEvent<string>): void => {
      let event: HostEvent;
      try {
        event = JSON.parse(message.data) as HostEvent;
      } catch {
        return;
      }
      setLive((old) => applyEvent(old, event));
      const announcement = announcementOf(event);
      if (announcement !== "") setAnnouncement(announcement);
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
