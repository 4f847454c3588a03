/**
 * The messages of the IPC bus, JSON-RPC 2.0 style, shared by the Conductor and
 * the stage runtime. Errors carry the contract's error codes as strings.
 *
 * Host to extension: `initialize` (request: settings and context, and the
 * state to restore on a hot reload; the answer announces the protocol version
 * and the methods `activate` returned), `call` (request), `$/cancel`
 * (notification), `$/ping` (request: a health check, answered with null),
 * `$/snapshot` (request: the state to carry across a hot reload), `shutdown`
 * (request).
 * Extension to host: `log` and `publish` (notifications), `callExtension`
 * (request, routed and checked by the Conductor).
 *
 * @module
 */

/** The protocol version both sides must speak. */
export const PROTOCOL_VERSION = 1;

/** A request: it expects a response with the same id. */
export interface RpcRequest {
  jsonrpc: "2.0";
  id: number;
  method: string;
  params?: unknown;
}

/** A notification: no response. */
export interface RpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: unknown;
}

/** The error of a failed request: a contract error code and a message. */
export interface RpcError {
  /** One of the contract's error codes, such as `PermissionDenied`. */
  code: string;
  message: string;
}

/** A response to a request. */
export type RpcResponse =
  | { jsonrpc: "2.0"; id: number; result: unknown }
  | { jsonrpc: "2.0"; id: number; error: RpcError };

/** Any message on the bus. */
export type RpcMessage = RpcRequest | RpcNotification | RpcResponse;

/** The params of `initialize`. */
export interface InitializeParams {
  protocol: number;
  /** The extension's id, as the host knows it. */
  id: string;
  /** The absolute path of the entry module to load. */
  entry: string;
  /** The current settings. */
  settings: Record<string, unknown>;
  /** Where things are, as the extension may see them. */
  context: { workspace: string; dataDir: string; tmpDir: string };
  /** On a hot reload: what the previous version's `snapshot()` returned, for `restore`. */
  restore?: unknown;
}

/** The answer to `initialize`. */
export interface InitializeResult {
  protocol: number;
  /** The id the extension claims; the host never relies on it. */
  id: string;
  /** The method names `activate` returned. */
  methods: string[];
}

/** The params of `call` (host to extension) and of `callExtension` (extension to host). */
export interface CallParams {
  method: string;
  input: unknown;
  /** For `callExtension`: the extension to call. */
  target?: string;
  /** For `call`: the calling extension, stamped by the Conductor (never by the caller). */
  caller?: string;
}

/**
 * Tells what kind of message a parsed value is, or undefined if it is none.
 *
 * @param value A parsed frame.
 * @returns `request`, `notification`, `response` or undefined.
 *
 * @example
 * ```ts
 * import { messageKind } from "./protocol.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(messageKind({ jsonrpc: "2.0", id: 1, method: "call" }), "request");
 * assert.equal(messageKind({ jsonrpc: "2.0", id: 1, result: null }), "response");
 * assert.equal(messageKind({ hello: "world" }), undefined);
 * ```
 */
export function messageKind(value: unknown): "request" | "notification" | "response" | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const message = value as Record<string, unknown>;
  if (message["jsonrpc"] !== "2.0") return undefined;
  const hasId = "id" in message;
  if (hasId && !Number.isSafeInteger(message["id"])) return undefined;
  if (typeof message["method"] === "string") return hasId ? "request" : "notification";
  if (!hasId || ("result" in message) === ("error" in message)) return undefined;
  if ("result" in message) return "response";
  const error = message["error"];
  return typeof error === "object" && error !== null &&
      typeof (error as Record<string, unknown>)["code"] === "string" &&
      typeof (error as Record<string, unknown>)["message"] === "string"
    ? "response"
    : undefined;
}
