/**
 * The stage runtime: the main module of every extension process. It speaks
 * the IPC bus on stdin/stdout, loads the entry module, calls `activate(ctx)`,
 * serves the handlers, and calls `deactivate` on a polite shutdown. `console`
 * is routed to the host as log lines, so nothing but frames reaches stdout.
 *
 * It imports only files beside it: the process runs with `--no-remote
 * --cached-only` and may read only its own code and this directory.
 *
 * @module
 */
import { FrameDecoder, FrameWriter } from "./frame_codec.ts";
import {
  type CallParams,
  type InitializeParams,
  type InitializeResult,
  messageKind,
  PROTOCOL_VERSION,
  type RpcError,
  type RpcRequest,
} from "./protocol.ts";
import { pitClient } from "./pit_client.ts";
import type { CallContext, ExtensionContext, ExtensionModule, Handlers } from "./sdk.ts";

const MAX_LOG_CHARS = 8 * 1024;
const SLICE_BYTES = 16 * 1024;

// Frames leave by blocking writes: an asynchronous write posted after the
// next read of stdin waits for a second I/O thread, ~30 us a message. A host
// that stops reading stalls only this process, which the host then stops.
const writer = new FrameWriter({
  write(bytes): Promise<void> {
    for (let at = 0; at < bytes.length;) at += Deno.stdout.writeSync(bytes.subarray(at));
    return Promise.resolve();
  },
});
const calls = new Map<number, AbortController>();
const outgoing = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
let nextId = 1;
let module: Partial<ExtensionModule> = {};
let handlers: Handlers = {};
let context: ExtensionContext | undefined;
// The merged settings; the host replaces them when an admin changes one.
const settings: Record<string, unknown> = {};

function send(message: unknown): void {
  writer.send(message);
}

function log(level: "debug" | "info" | "warn" | "error", args: unknown[]): void {
  const text = args.map((a) => typeof a === "string" ? a : Deno.inspect(a, { depth: 4 })).join(" ");
  send({
    jsonrpc: "2.0",
    method: "log",
    params: {
      level,
      message: text.length > MAX_LOG_CHARS ? `${text.slice(0, MAX_LOG_CHARS)}…` : text,
    },
  });
}

// Nothing an extension prints may reach stdout: it would corrupt the bus.
for (
  const [name, level] of [
    ["log", "info"],
    ["info", "info"],
    ["debug", "debug"],
    ["warn", "warn"],
    ["error", "error"],
    ["trace", "debug"],
  ] as const
) {
  console[name] = (...args: unknown[]) => log(level, args);
}

// A refusal the host sent back for one of the extension's own requests
// (ctx.call): passed on with the host's code if the extension does not catch it.
class HostRefusal extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

function toRpcError(error: unknown): RpcError {
  if (error instanceof HostRefusal) return { code: error.code, message: error.message };
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return { code: "PermissionDenied", message: error.message };
  }
  // --no-remote refuses remote imports with a TypeError; it is a permission all the same.
  if (error instanceof TypeError && /remote specifier was requested/.test(error.message)) {
    return { code: "PermissionDenied", message: error.message.split("\n")[0] ?? error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: "ExtensionError", message };
}

function respond(id: number, result: unknown): void {
  try {
    send({ jsonrpc: "2.0", id, result: result ?? null });
  } catch (error) {
    // Not JSON (a bigint, a cycle), or larger than a frame may be.
    const message = `The result cannot be sent: ${(error as Error).message}`;
    send({ jsonrpc: "2.0", id, error: { code: "InvalidOutput", message } });
  }
}

function fail(id: number, error: RpcError): void {
  send({ jsonrpc: "2.0", id, error });
}

function request(method: string, params: unknown): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    outgoing.set(id, { resolve, reject });
    send({ jsonrpc: "2.0", id, method, params });
  });
}

async function initialize(id: number, params: InitializeParams): Promise<void> {
  if (params.protocol !== PROTOCOL_VERSION) {
    fail(id, {
      code: "ProtocolError",
      message: `Cannot speak protocol ${params.protocol}: this runtime speaks ${PROTOCOL_VERSION}`,
    });
    return;
  }
  Object.assign(settings, params.settings);
  context = {
    id: params.id,
    workspace: params.context.workspace,
    dataDir: params.context.dataDir,
    tmpDir: params.context.tmpDir,
    log: {
      debug: (...args) => log("debug", args),
      info: (...args) => log("info", args),
      warn: (...args) => log("warn", args),
      error: (...args) => log("error", args),
    },
    settings: { get: (name) => settings[name], all: () => ({ ...settings }) },
    call: (target, method, input) =>
      request("callExtension", { target, method, input: input ?? null }),
    publish: (topic, payload) =>
      send({ jsonrpc: "2.0", method: "publish", params: { topic, payload: payload ?? null } }),
    ...pitClient(request),
  };
  try {
    module = await import(new URL(`file://${params.entry}`).href);
    if (typeof module.activate !== "function") {
      throw new TypeError("the entry module does not export an activate function");
    }
    const returned = await module.activate(context);
    handlers = Object.fromEntries(
      Object.entries(returned ?? {}).filter(([, value]) => typeof value === "function"),
    ) as Handlers;
    if (Object.hasOwn(params, "restore")) await module.restore?.(params.restore);
  } catch (error) {
    const rpc = toRpcError(error);
    fail(id, { code: rpc.code, message: `Cannot activate ${params.id}: ${rpc.message}` });
    return;
  }
  const result: InitializeResult = {
    protocol: PROTOCOL_VERSION,
    id: params.id,
    methods: Object.keys(handlers),
  };
  respond(id, result);
}

function call(id: number, params: CallParams): void {
  const handler = Object.hasOwn(handlers, params.method) ? handlers[params.method] : undefined;
  if (context === undefined || handler === undefined) {
    fail(id, { code: "NotFound", message: `Cannot call ${params.method}: no such method` });
    return;
  }
  const controller = new AbortController();
  let result: unknown;
  try {
    const callContext: CallContext = {
      ...context,
      signal: controller.signal,
      ...(typeof params.caller === "string" ? { caller: params.caller } : {}),
    };
    result = handler(params.input, callContext);
  } catch (error) {
    fail(id, toRpcError(error));
    return;
  }
  // A handler that answers at once is answered at once: no promise, no extra turn.
  if (typeof (result as { then?: unknown } | null)?.then !== "function") return respond(id, result);
  calls.set(id, controller);
  Promise.resolve(result).then(
    (value) => respond(id, value),
    (error) => fail(id, toRpcError(error)),
  ).finally(() => calls.delete(id));
}

// Events arrive in publish order; each is handled before the next is given.
let events: Promise<void> = Promise.resolve();
function deliver(params: unknown): Promise<void> {
  const event = params as { topic: string; payload: unknown; from: string };
  events = events.then(async () => {
    if (context === undefined) return;
    try {
      await module.onEvent?.(event, context);
    } catch (error) {
      log("error", [`onEvent(${event.topic}) failed:`, error]);
    }
  });
  return events;
}

async function snapshot(id: number): Promise<void> {
  try {
    respond(id, (await module.snapshot?.()) ?? null);
  } catch (error) {
    fail(id, toRpcError(error));
  }
}

async function shutdown(id: number): Promise<void> {
  try {
    await module.deactivate?.();
    respond(id, null);
  } catch (error) {
    fail(id, toRpcError(error));
  }
  await writer.flushed();
  Deno.exit(0);
}

function onRequest(message: RpcRequest): void {
  switch (message.method) {
    case "initialize":
      void initialize(message.id, message.params as InitializeParams);
      break;
    case "call":
      call(message.id, message.params as CallParams);
      break;
    case "shutdown":
      void shutdown(message.id);
      break;
    case "$/ping":
      respond(message.id, null);
      break;
    case "$/snapshot":
      void snapshot(message.id);
      break;
    default:
      fail(message.id, { code: "NotFound", message: `Cannot handle ${message.method}` });
  }
}

function onMessage(message: Record<string, unknown>): void {
  switch (messageKind(message)) {
    case "request":
      return onRequest(message as unknown as RpcRequest);
    case "notification":
      if (message["method"] === "$/cancel") {
        const id = (message["params"] as { id?: number } | undefined)?.id;
        calls.get(id ?? -1)?.abort(new DOMException("The host cancelled the call", "AbortError"));
      } else if (message["method"] === "event") void deliver(message["params"]);
      else if (message["method"] === "$/settings") {
        for (const name of Object.keys(settings)) delete settings[name];
        Object.assign(settings, message["params"]);
      } else if (message["method"] === "$/dropped") {
        const { topic, message: why } = (message["params"] ?? {}) as Record<string, unknown>;
        log("warn", [`the host dropped an event on ${String(topic)}: ${String(why)}`]);
      }
      return;
    case "response": {
      const pending = outgoing.get(message["id"] as number);
      outgoing.delete(message["id"] as number);
      const error = message["error"] as RpcError | undefined;
      if (error !== undefined) {
        pending?.reject(new HostRefusal(error.code, error.message));
      } else pending?.resolve(message["result"]);
      return;
    }
    default:
      throw new TypeError("the host sent a message that is not JSON-RPC");
  }
}

// An extension's stray promise rejection is logged, not fatal.
addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  log("error", ["Unhandled rejection:", event.reason]);
});

if (import.meta.main) {
  const decoder = new FrameDecoder();
  for await (const chunk of Deno.stdin.readable) {
    // A large chunk is answered in slices, so the host reads the first
    // answers while the rest are computed. Answers given at once leave before
    // the next read is posted.
    for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
      const slice = chunk.subarray(at, at + SLICE_BYTES);
      for (const message of decoder.push(slice)) onMessage(message as Record<string, unknown>);
      writer.flush();
    }
  }
  // The host closed the bus: leave without waiting for anything.
  Deno.exit(0);
}
