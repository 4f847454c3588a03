/**
 * What runs in an extension process, and the bus it speaks:
 *
 * - `runtime.ts`: the main module of every extension process (not exported: it is run, not imported).
 * - {@linkcode FrameDecoder}, {@linkcode FrameWriter}, {@linkcode encodeFrame}: the framing.
 * - {@linkcode messageKind}, {@linkcode PROTOCOL_VERSION} and the message types: the protocol.
 * - The SDK for authors: {@linkcode defineOperator}, {@linkcode defineInstrument},
 *   {@linkcode defineMotif} and the `ctx` types.
 * - {@linkcode RUNTIME_MODULE}, {@linkcode IMPORT_MAP}: the runtime's path and the import map
 *   that lets an entry module import the SDK as `@symphony/sdk`, for the sandbox to start.
 *
 * @module
 */
export {
  type ByteSink,
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  FrameDecoder,
  FrameError,
  type FrameOptions,
  FrameWriter,
} from "./frame_codec.ts";
export {
  type CallParams,
  type InitializeParams,
  type InitializeResult,
  messageKind,
  PROTOCOL_VERSION,
  type RpcError,
  type RpcMessage,
  type RpcNotification,
  type RpcRequest,
  type RpcResponse,
} from "./protocol.ts";
export {
  type CallContext,
  defineInstrument,
  defineMotif,
  defineOperator,
  type ExtensionContext,
  type ExtensionLog,
  type ExtensionModule,
  type Handler,
  type Handlers,
  type JsonValue,
} from "./sdk.ts";

/** The absolute path of the stage runtime's main module. */
export const RUNTIME_MODULE: string = new URL("./runtime.ts", import.meta.url).pathname;

/** The import map every extension runs with: `@symphony/sdk` is the SDK. */
export const IMPORT_MAP: string = new URL("./import_map.json", import.meta.url).pathname;

/** The directory of the stage runtime; extension processes may read it. */
export const RUNTIME_DIR: string = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
