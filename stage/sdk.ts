/**
 * The SDK for extension authors: the types of `ctx` and of handlers, and the
 * `define*` helpers that type an extension's entry module. Entry modules import
 * it as `@symphony/sdk` (every extension process runs with an import map that
 * says where it is). An entry module that imports nothing works too.
 *
 * @example An operator
 * ```ts
 * import { defineOperator } from "@symphony/sdk";
 *
 * export const { activate, deactivate } = defineOperator({
 *   activate: (ctx) => ({
 *     shout: (input) => {
 *       ctx.log.info("shouting");
 *       return { text: String((input as { text: string }).text).toUpperCase() };
 *     },
 *   }),
 * });
 * ```
 *
 * @module
 */

/** A JSON value: what handlers receive and return. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Logging that reaches the host tagged with the extension's id. */
export interface ExtensionLog {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** What an extension may do and know; the host decides what is behind it. */
export interface ExtensionContext {
  /** The extension's id. */
  readonly id: string;
  /** The workspace directory (reachable only as far as the grants allow). */
  readonly workspace: string;
  /** The extension's private data directory. */
  readonly dataDir: string;
  /** The extension's private temporary directory. */
  readonly tmpDir: string;
  /** Logging; `console` is routed here too. */
  readonly log: ExtensionLog;
  /** The current settings, as declared in the manifest. */
  readonly settings: {
    get(name: string): unknown;
    all(): Record<string, unknown>;
  };
  /**
   * Calls a method of another extension listed in `events.calls`, through the
   * Conductor, which stamps the caller's identity.
   */
  call(target: string, method: string, input?: JsonValue): Promise<unknown>;
  /** Publishes an event on a topic listed in `events.publish`. */
  publish(topic: string, payload?: JsonValue): void;
  /** The extension's artifact namespace in the host's Artifact Store (every tier). */
  readonly artifacts: ExtensionArtifacts;
  /** Leases on shared resources its manifest declares (`resources.leases`); trusted tier and up. */
  readonly leases: ExtensionLeases;
  /** Workflow progress (trusted tier and up); creating and driving workflows (enterprise). */
  readonly workflows: ExtensionWorkflows;
}

/** An artifact version, as the host's Artifact Store describes it. */
export interface ArtifactInfo {
  /** The SHA-256 of its content, hex. */
  id: string;
  /** The extension whose namespace holds it. */
  namespace: string;
  name: string;
  version: number;
  size: number;
  mediaType: string;
  tags: string[];
  producer: string;
  quality?: number;
  /** When it was put, ms since the epoch. */
  createdAt: number;
}

/** How an artifact is described when put. */
export interface ArtifactPutOptions {
  mediaType?: string;
  tags?: string[];
  /** In [0, 1]. */
  quality?: number;
}

/** A search of the artifacts the extension may see. */
export interface ArtifactSearch {
  namePrefix?: string;
  tag?: string;
  producer?: string;
  since?: number;
  until?: number;
  limit?: number;
}

/** `ctx.artifacts`: content-addressed, versioned artifacts in the extension's namespace. */
export interface ExtensionArtifacts {
  /** Stores the next version of `name`, sent in chunks. */
  put(
    name: string,
    data: Uint8Array | string | AsyncIterable<Uint8Array>,
    options?: ArtifactPutOptions,
  ): Promise<ArtifactInfo>;
  /** The latest version, or `version`; `owner` names another extension that shared it. */
  get(name: string, options?: { version?: number; owner?: string }): Promise<ArtifactInfo>;
  versions(name: string, options?: { owner?: string }): Promise<ArtifactInfo[]>;
  search(query?: ArtifactSearch): Promise<ArtifactInfo[]>;
  /** Reads content (all of it, or a range), in chunks. */
  read(
    id: string,
    options?: { offset?: number; length?: number; owner?: string },
  ): Promise<Uint8Array>;
  /** Streams content, one chunk at a time. */
  open(id: string, options?: { owner?: string }): ReadableStream<Uint8Array>;
  /** Lets another extension read every version of `name`. */
  share(name: string, withId: string): Promise<void>;
  unshare(name: string, withId: string): Promise<boolean>;
  delete(name: string, version: number): Promise<void>;
}

/** A request for leases on shared resources. */
export interface LeaseRequest {
  resources: { name: string; mode?: "read" | "write"; units?: number }[];
  priority?: number;
  ttlMs?: number;
  /** How long to wait, in ms; 0 (default) fails at once with `ResourceExhausted` if they are taken. */
  waitMs?: number;
}

/** A granted lease. */
export interface LeaseInfo {
  id: number;
  /** When it ends unless released, ms since the epoch (Infinity: never). */
  expiresAt: number | null;
  resources: { name: string; mode?: "read" | "write"; units: number }[];
}

/** `ctx.leases`: shared resources, granted by the host's Arbitration Engine. */
export interface ExtensionLeases {
  acquire(request: LeaseRequest): Promise<LeaseInfo>;
  release(id: number): Promise<boolean>;
}

/** A workflow's progress. */
export interface WorkflowProgress {
  done: number;
  total: number;
  counts: Record<string, number>;
  finished: boolean;
}

/** `ctx.workflows`: the host's workflow graphs. */
export interface ExtensionWorkflows {
  progress(id: string): Promise<WorkflowProgress>;
  create(
    definition: { id: string; nodes: { id: string; dependsOn?: string[]; estimateMs?: number }[] },
  ): Promise<{ id: string; ready: string[] }>;
  step(id: string, step: "start" | "complete" | "fail", node: string): Promise<string[]>;
}

/** The context one call runs with: the extension's context and the call's signal. */
export interface CallContext extends ExtensionContext {
  /** Aborted when the host cancels the call or it times out. */
  readonly signal: AbortSignal;
  /** The extension that made the call, as the Conductor knows it; undefined when the host called. */
  readonly caller?: string;
}

/** One method: input in, JSON-serialisable result out. */
export type Handler = (input: unknown, ctx: CallContext) => unknown;

/** What `activate` returns: one handler per method name. */
export type Handlers = Record<string, Handler>;

/** The shape of an entry module. */
export interface ExtensionModule {
  activate(ctx: ExtensionContext): Handlers | Promise<Handlers>;
  deactivate?(): void | Promise<void>;
  /**
   * Receives the events on the topics the manifest's `events.subscribe` lists;
   * the first such event starts a lazy extension.
   */
  onEvent?(
    event: { topic: string; payload: unknown; from: string },
    ctx: ExtensionContext,
  ): void | Promise<void>;
  /** Hot reload: the state to hand to the next version, a JSON value. */
  snapshot?(): unknown;
  /** Hot reload: receives what the previous version's `snapshot` returned, after `activate`. */
  restore?(state: unknown): void | Promise<void>;
}

/**
 * Types an instrument's entry module (an AI/ML model).
 *
 * @param module `activate` and optionally `deactivate`.
 * @returns The same module, typed.
 *
 * @example
 * ```ts
 * import { defineInstrument } from "./sdk.ts";
 * import assert from "node:assert/strict";
 *
 * const model = defineInstrument({ activate: () => ({ predict: () => ({ label: "ok" }) }) });
 * assert.equal(typeof model.activate, "function");
 * ```
 */
export function defineInstrument(module: ExtensionModule): ExtensionModule {
  return module;
}

/**
 * Types an operator's entry module (utility functions).
 *
 * @param module `activate` and optionally `deactivate`.
 * @returns The same module, typed.
 *
 * @example
 * ```ts
 * import { defineOperator } from "./sdk.ts";
 * import assert from "node:assert/strict";
 *
 * const op = defineOperator({ activate: () => ({ trim: (input) => String(input).trim() }) });
 * assert.equal(typeof op.activate, "function");
 * ```
 */
export function defineOperator(module: ExtensionModule): ExtensionModule {
  return module;
}

/**
 * A node of a motif's panel in the web UI: its `render` method returns one
 * (the root), its `event` method answers each {@linkcode PanelEvent} with
 * another. The host checks the tree and refuses it whole (`InvalidOutput`)
 * for anything beyond these types and props, and the page renders it as
 * text. The limits: control ids 1–100 of `A-Z a-z 0-9 _ . : -`; labels,
 * headings, badges and column names up to 200 characters, text up to
 * 10,000, list items and table cells up to 1,000; a heading's `level` 1–6;
 * a progress `value` from 0 to 1; up to 500 list items or table rows, 50
 * columns, 1,000 chart points, 2,000 nodes, 20 levels and 500,000
 * characters in all; and no string
 * anywhere that looks like a script URL (`javascript:`).
 */
export type PanelNode =
  & { children?: PanelNode[] }
  & (
    | { type: "text"; props: { text: string } }
    | { type: "heading"; props: { text: string; level?: number } }
    | { type: "button"; props: { id: string; label: string } }
    | { type: "input"; props: { id: string; label: string; value?: string } }
    | { type: "list"; props: { items: string[] } }
    | { type: "table"; props: { columns: string[]; rows: (string | number | boolean | null)[][] } }
    | { type: "badge"; props: { text: string; tone?: "neutral" | "info" | "ok" | "warn" | "bad" } }
    | { type: "progress"; props: { value: number; label?: string } }
    | { type: "chart"; props: { points: number[]; label?: string } }
  );

/** What a motif's `event` method receives: a click on a button, or an input's new value. */
export interface PanelEvent {
  /** The `id` prop of the button or input. */
  id: string;
  kind: "click" | "input";
  /** The input's value, for `input`. */
  value?: string;
}

/**
 * Types a motif's entry module (UI contributions).
 *
 * @param module `activate` and optionally `deactivate`.
 * @returns The same module, typed.
 *
 * @example
 * ```ts
 * import { defineMotif } from "./sdk.ts";
 * import assert from "node:assert/strict";
 *
 * const motif = defineMotif({ activate: () => ({ "panel.stats": () => ({ title: "Stats" }) }) });
 * assert.equal(typeof motif.activate, "function");
 * ```
 */
export function defineMotif(module: ExtensionModule): ExtensionModule {
  return module;
}
