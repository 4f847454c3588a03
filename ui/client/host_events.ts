/**
 * What the page makes of each message of `/api/events`: only the host's own
 * events (`from: "host"`) count; extensions' events on the same stream
 * change nothing shown, so none can pose as the host.
 *
 * @module
 */
import type { ActivityPoint, LogEntry } from "./api_types.ts";
import { appendFor, type Live, LOGS_KEPT, POINTS_KEPT } from "./live.ts";

/** A message of the event stream, as far as the page reads it. */
export interface BusMessage {
  topic: string;
  from: string;
  payload: unknown;
}

/** The states every call moves between: neither news nor a reason to reload. */
const QUIET_STATES = new Set(["ready", "busy"]);

type Fields = Record<string, unknown>;

/** The payload of a host event about one extension, or undefined. */
function hostPayload(event: BusMessage): (Fields & { id: string }) | undefined {
  if (event.from !== "host" || typeof event.payload !== "object" || event.payload === null) {
    return undefined;
  }
  const payload = event.payload as Fields;
  return typeof payload["id"] === "string" ? payload as Fields & { id: string } : undefined;
}

function isPoint(p: Fields): boolean {
  return ["at", "rssBytes", "cpuPercent", "calls", "errors"].every((k) => typeof p[k] === "number");
}

function isLogEntry(p: Fields): boolean {
  return typeof p["seq"] === "number" && typeof p["at"] === "string" &&
    typeof p["level"] === "string" && typeof p["message"] === "string";
}

function isQuiet(p: Fields): boolean {
  return QUIET_STATES.has(String(p["from"])) && QUIET_STATES.has(String(p["to"]));
}

/**
 * What one event changes in the live view (not its `tick`: see {@linkcode reloads}).
 *
 * @param live The view before.
 * @param event The message.
 * @returns The view after; the same object when nothing changes.
 */
export function applyEvent(live: Live, event: BusMessage): Live {
  const p = hostPayload(event);
  if (p === undefined) return live;
  switch (event.topic) {
    case "extension.sample":
      return isPoint(p)
        ? {
          ...live,
          activity: appendFor(live.activity, p.id, p as unknown as ActivityPoint, POINTS_KEPT),
        }
        : live;
    case "extension.log":
      return isLogEntry(p)
        ? { ...live, logs: appendFor(live.logs, p.id, p as unknown as LogEntry, LOGS_KEPT) }
        : live;
    case "extension.state":
      return typeof p["to"] === "string"
        ? { ...live, states: { ...live.states, [p.id]: p["to"] } }
        : live;
    case "extension.uninstalled": {
      // A later install of the same id starts with nothing of this one.
      const { [p.id]: _state, ...states } = live.states;
      const { [p.id]: _points, ...activity } = live.activity;
      const { [p.id]: _lines, ...logs } = live.logs;
      return { ...live, states, activity, logs };
    }
    default:
      return live;
  }
}

/**
 * Whether the pages should reload their data for an event: a state change
 * other than busy and back, a crash, a permission denial, an uninstall.
 *
 * @param event The message.
 * @returns True to reload.
 */
export function reloads(event: BusMessage): boolean {
  const p = hostPayload(event);
  if (p === undefined) return false;
  return event.topic === "extension.state"
    ? !isQuiet(p)
    : ["extension.crashed", "extension.denied", "extension.uninstalled"].includes(event.topic);
}

/**
 * What is announced to screen readers of an event.
 *
 * @param event The message.
 * @returns The sentence; empty for nothing.
 */
export function announcementOf(event: BusMessage): string {
  const p = hostPayload(event);
  if (p === undefined) return "";
  switch (event.topic) {
    case "extension.state":
      return isQuiet(p) ? "" : `${p.id}: ${String(p["from"])} → ${String(p["to"])}`;
    case "extension.crashed":
      return `${p.id} ${p["kind"] === "limit-kill" ? "was stopped at a limit" : "crashed"}${
        p["disabled"] === true ? " and is disabled" : ""
      }: ${String(p["reason"])}`;
    case "extension.denied":
      return `${p.id}: permission denied in ${String(p["method"])}`;
    default:
      return "";
  }
}
