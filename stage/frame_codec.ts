/**
 * The framing of the IPC bus between the Conductor and an extension process:
 * each message is a 4-byte big-endian length followed by that many bytes of
 * UTF-8 JSON. Both sides use this file; it imports nothing, so the stage
 * runtime can load it under `--no-remote --cached-only`.
 *
 * @module
 */

/** The default largest frame, in bytes (16 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

const HEADER_BYTES = 4;

/** Raised when bytes on the bus are not a valid frame; the peer is to be stopped. */
export class FrameError extends Error {
  /** The contract's error code for a broken bus. */
  readonly code = "ProtocolError";

  /**
   * @param message What was wrong with the bytes.
   * @param options The underlying `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FrameError";
  }
}

/** Options for {@linkcode FrameDecoder} and {@linkcode encodeFrame}. */
export interface FrameOptions {
  /** The largest frame accepted, in bytes. Default: {@linkcode DEFAULT_MAX_FRAME_BYTES}. */
  maxFrameBytes?: number;
}

const encoder = new TextEncoder();

/**
 * Encodes one message as a frame.
 *
 * @param message A JSON value.
 * @param options The frame size limit.
 * @returns The frame's bytes: length, then JSON.
 * @throws {FrameError} When the encoded message is larger than the limit.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameDecoder } from "./frame_codec.ts";
 * import assert from "node:assert/strict";
 *
 * const frame = encodeFrame({ jsonrpc: "2.0", method: "ping" });
 * assert.deepEqual(new FrameDecoder().push(frame), [{ jsonrpc: "2.0", method: "ping" }]);
 * ```
 */
export function encodeFrame(message: unknown, options: FrameOptions = {}): Uint8Array {
  const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const body = encoder.encode(JSON.stringify(message));
  if (body.length > max) {
    throw new FrameError(
      `Cannot send a message of ${body.length} bytes: the frame limit is ${max}`,
    );
  }
  const frame = new Uint8Array(HEADER_BYTES + body.length);
  new DataView(frame.buffer).setUint32(0, body.length);
  frame.set(body, HEADER_BYTES);
  return frame;
}

/**
 * Turns a stream of bytes back into messages. Bytes are kept in one growing
 * buffer that is compacted, not re-allocated, as frames are consumed.
 *
 * @example Frames split across chunks
 * ```ts
 * import { encodeFrame, FrameDecoder } from "./frame_codec.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeFrame([1, 2, 3]);
 * const decoder = new FrameDecoder();
 * assert.deepEqual(decoder.push(bytes.subarray(0, 5)), []);
 * assert.deepEqual(decoder.push(bytes.subarray(5)), [[1, 2, 3]]);
 * ```
 */
export class FrameDecoder {
  readonly #max: number;
  readonly #text = new TextDecoder("utf-8", { fatal: true });
  #buffer = new Uint8Array(64 * 1024);
  #view = new DataView(this.#buffer.buffer);
  #start = 0;
  #end = 0;

  /** @param options The frame size limit. */
  constructor(options: FrameOptions = {}) {
    this.#max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** The number of bytes received but not yet part of a whole frame. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /**
   * Adds received bytes and returns the messages they complete.
   *
   * @param chunk Bytes as read from the stream.
   * @returns The complete messages, in order.
   * @throws {FrameError} On a frame over the limit, or one that is not UTF-8 JSON.
   */
  push(chunk: Uint8Array): unknown[] {
    this.#append(chunk);
    const messages: unknown[] = [];
    while (this.#end - this.#start >= HEADER_BYTES) {
      const length = this.#view.getUint32(this.#start);
      if (length > this.#max) {
        throw new FrameError(`Cannot read a frame of ${length} bytes: the limit is ${this.#max}`);
      }
      const from = this.#start + HEADER_BYTES;
      if (this.#end - from < length) break;
      messages.push(this.#decode(this.#buffer.subarray(from, from + length)));
      this.#start = from + length;
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return messages;
  }

  #decode(body: Uint8Array): unknown {
    try {
      return JSON.parse(this.#text.decode(body));
    } catch (cause) {
      throw new FrameError("Cannot read a frame: it is not UTF-8 JSON", { cause });
    }
  }

  #append(chunk: Uint8Array): void {
    if (this.#end + chunk.length > this.#buffer.length) {
      const pending = this.#end - this.#start;
      if (pending + chunk.length <= this.#buffer.length) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Uint8Array(Math.max(this.#buffer.length * 2, pending + chunk.length));
        grown.set(this.#buffer.subarray(this.#start, this.#end));
        this.#buffer = grown;
        this.#view = new DataView(grown.buffer);
      }
      this.#start = 0;
      this.#end = pending;
    }
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
  }
}

/** Where a {@linkcode FrameWriter} sends its bytes. */
export interface ByteSink {
  /** Writes all of `bytes`; resolves when they are handed to the stream. */
  write(bytes: Uint8Array): Promise<void>;
}

/**
 * Sends messages as frames, batching every frame sent in the same tick into a
 * single write.
 *
 * @example
 * ```ts
 * import { FrameDecoder, FrameWriter } from "./frame_codec.ts";
 * import assert from "node:assert/strict";
 *
 * const writes: Uint8Array[] = [];
 * const writer = new FrameWriter({ write: async (bytes) => void writes.push(bytes) });
 * writer.send({ a: 1 });
 * writer.send({ b: 2 });
 * await writer.flushed();
 * assert.equal(writes.length, 1);
 * assert.deepEqual(new FrameDecoder().push(writes[0]!), [{ a: 1 }, { b: 2 }]);
 * ```
 */
export class FrameWriter {
  readonly #sink: ByteSink;
  readonly #options: FrameOptions;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #scheduled = false;
  #last: Promise<void> = Promise.resolve();
  #error: unknown;

  /**
   * @param sink Where the bytes go.
   * @param options The frame size limit.
   */
  constructor(sink: ByteSink, options: FrameOptions = {}) {
    this.#sink = sink;
    this.#options = options;
  }

  /**
   * Queues a message; it is written with the others sent in the same tick.
   *
   * @param message A JSON value.
   * @throws {FrameError} When the message is larger than the frame limit.
   */
  send(message: unknown): void {
    const frame = encodeFrame(message, this.#options);
    this.#queue.push(frame);
    this.#queued += frame.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Resolves when everything sent so far has been written; rejects if a write failed. */
  async flushed(): Promise<void> {
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    await this.#last;
    if (this.#error !== undefined) throw this.#error;
  }

  #flush(): void {
    const frames = this.#queue;
    const size = this.#queued;
    this.#queue = [];
    this.#queued = 0;
    this.#scheduled = false;
    let bytes: Uint8Array;
    if (frames.length === 1 && frames[0] !== undefined) bytes = frames[0];
    else {
      bytes = new Uint8Array(size);
      let offset = 0;
      for (const frame of frames) {
        bytes.set(frame, offset);
        offset += frame.length;
      }
    }
    // A failed write (the peer is gone) is kept for flushed(), never left unhandled.
    this.#last = this.#last.then(() =>
      this.#error === undefined ? this.#sink.write(bytes) : undefined
    )
      .catch((error) => void (this.#error ??= error));
  }
}
