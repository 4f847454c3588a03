/**
 * The shapes of the API's answers that the client reads. They are written
 * here rather than imported from `ui/server/` because the client is type
 * checked with the DOM library in its own workspace member, apart from the
 * host's code (whose types need Deno's); `tests/e2e/` checks them against
 * the real server.
 *
 * @module
 */

/** A row of `GET /api/extensions`. */
export interface ExtensionSummary {
  id: string;
  name: string;
  version: string;
  type: string;
  trust: string;
  state: string;
  restarts: number;
  calls: { ok: number; failed: number };
  activity: ActivityPoint[];
  dev: boolean;
}

/** One point of an extension's activity: a resource sample and the calls since the previous. */
export interface ActivityPoint {
  id: string;
  /** ms since the epoch. */
  at: number;
  rssBytes: number;
  /** Since the previous point, in % of one core. */
  cpuPercent: number;
  calls: number;
  errors: number;
}

/** A log line an extension wrote. */
export interface LogEntry {
  id: string;
  /** Orders the lines the host received. */
  seq: number;
  level: string;
  message: string;
  at: string;
}

/** One permission kind's three columns. */
export interface PermissionColumns {
  requested: string[];
  granted: string[];
  denied: string[];
}

/** One setting of the manifest's settings schema. */
export type Setting =
  & { title?: string; description?: string }
  & (
    | { type: "string"; default: string; min_length?: number; max_length?: number }
    | { type: "integer" | "number"; default: number; minimum?: number; maximum?: number }
    | { type: "boolean"; default: boolean }
    | { type: "enum"; values: string[]; default: string }
    | {
      type: "array";
      items: { type: "string" | "integer" | "number" | "boolean" };
      default: (string | number | boolean)[];
    }
  );

/** One entry of the restart history. */
export interface HistoryEntry {
  at: string;
  event: string;
  code?: string;
  reason: string;
}

/** `GET /api/extensions/:id`. */
export interface ExtensionDetail extends ExtensionSummary {
  installedAt: string;
  disabled: { at: string; reason: string } | null;
  suspended: boolean;
  manifest: {
    description?: string;
    operator?: { functions?: { name: string }[] };
    instrument?: { method?: string };
  };
  permissions: Record<string, PermissionColumns>;
  settings: { values: Record<string, unknown>; schema: Record<string, Setting> };
  history: HistoryEntry[];
  logs: LogEntry[];
}

/** A record of `GET /api/audit`. */
export interface AuditRecord {
  seq: number;
  at: string;
  kind: string;
  extension?: string;
  actor: string;
  detail: Record<string, unknown>;
}

/** `GET /api/audit/verify`. */
export type AuditVerification =
  | { ok: true; count: number }
  | { ok: false; count: number; brokenAt: number; reason: string };

/** One requested permission in `POST /api/install/review`. */
export interface ReviewRequest {
  kind: string;
  value: string;
  /** What it lets the extension do, in plain words. */
  words: string;
  /** Why it escapes the sandbox, when it does. */
  danger?: string;
}

/** `POST /api/install/review`: the permission review of a package directory. */
export interface InstallReview {
  id: string;
  name: string;
  version: string;
  type: string;
  /** The host's tier: `community` or `enterprise`. */
  tier: string;
  requests: ReviewRequest[];
  /** What it did not ask to do, in plain words. */
  notAsked: string[];
  dangerous: { kind: string; value: string; reason: string }[];
  /** The review as the command line shows it. */
  text: string;
  /** For an update: the installed version and the permissions it adds, as "kind: value". */
  update: { from: string; added: string[] } | null;
}

/** `POST /api/install`. */
export interface InstallResult {
  id: string;
  version: string;
  update: boolean;
  disabled: { at: string; reason: string } | null;
  permissions: Record<string, PermissionColumns>;
}
