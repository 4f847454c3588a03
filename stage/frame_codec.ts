/**
 * The framing of the IPC bus between the Conductor and an extension process:
 * each message is one line of UTF-8 JSON (JSON never contains a raw newline),
 * and every message is a JSON object, so a line must start with `{`. Frames
 * sent in the same tick are encoded and written together, and frames received
 * together are decoded together: the bus costs about a microsecond a message.
 * Both sides use this file; it imports nothing, so the stage runtime can load
 * it under `--no-remote --cached-only`.
 *
 * @module
 */

/** The default largest frame, in bytes (16 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;

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

/** Options for {@linkcode FrameDecoder}, {@linkcode FrameWriter} and {@linkcode encodeFrame}. */
export interface FrameOptions {
  /** The largest frame accepted, in bytes, newline excluded. Default: {@linkcode DEFAULT_MAX_FRAME_BYTES}. */
  maxFrameBytes?: number;
}

const encoder = new TextEncoder();

// The JSON text of a message, refused when its UTF-8 form is over the limit.
function frameText(message: unknown, max: number): string {
  const text = JSON.stringify(message);
  if (typeof text !== "string" || !text.startsWith("{")) {
    throw new TypeError("Cannot send a message that is not a JSON object");
  }
  // A UTF-16 length of n is n to 3n bytes of UTF-8: encode only when in doubt.
  if (text.length * 3 > max) {
    const bytes = encoder.encode(text).length;
    if (bytes > max) {
      throw new FrameError(`Cannot send a message of ${bytes} bytes: the frame limit is ${max}`);
    }
  }
  return text;
}

/**
 * Encodes one message as a frame.
 *
 * @param message A JSON object.
 * @param options The frame size limit.
 * @returns The frame's bytes: the JSON, then a newline.
 * @throws {FrameError} When the encoded message is larger than the limit.
 * @throws {TypeError} When the message is not a JSON object (a bigint, a cycle, an array).
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameDecoder } from "./frame_codec.ts";
 * import assert from "node:assert/strict";
 *
 * const frame = encodeFrame({ jsonrpc: "2.0", method: "ping" });
 * assert.equal(new TextDecoder().decode(frame), '{"jsonrpc":"2.0","method":"ping"}\n');
 * assert.deepEqual(new FrameDecoder().push(frame), [{ jsonrpc: "2.0", method: "ping" }]);
 * ```
 */
export function encodeFrame(message: unknown, options: FrameOptions = {}): Uint8Array {
  return encoder.encode(
    `${frameText(message, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES)}\n`,
  );
}

/**
 * Turns a stream of bytes back into messages. Bytes are kept in one growing
 * buffer that is compacted, not re-allocated, as frames are consumed; all the
 * whole frames of a chunk are decoded at once.
 *
 * @example Frames split across chunks
 * ```ts
 * import { encodeFrame, FrameDecoder } from "./frame_codec.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeFrame({ list: [1, 2, 3] });
 * const decoder = new FrameDecoder();
 * assert.deepEqual(decoder.push(bytes.subarray(0, 5)), []);
 * assert.deepEqual(decoder.push(bytes.subarray(5)), [{ list: [1, 2, 3] }]);
 * ```
 */
export class FrameDecoder {
  readonly #max: number;
  readonly #text = new TextDecoder("utf-8", { fatal: true });
  #buffer = new Uint8Array(64 * 1024);
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
   * @throws {FrameError} On a frame over the limit, one that does not start
   *   with `{`, or one that is not UTF-8 JSON.
   */
  push(chunk: Uint8Array): unknown[] {
    if (chunk.length === 0) return [];
    this.#append(chunk);
    const from = this.#end - chunk.length;
    // Whatever follows a newline must open an object: garbage is refused at once.
    if (this.#start === from && this.#buffer[from] !== OPEN_BRACE) this.#notAFrame();
    let scan = chunk.indexOf(NEWLINE);
    while (scan !== -1) {
      const next = from + scan + 1;
      if (next < this.#end && this.#buffer[next] !== OPEN_BRACE) this.#notAFrame();
      scan = chunk.indexOf(NEWLINE, scan + 1);
    }
    // Pending bytes never hold a newline, so only the new chunk is searched:
    // a large frame arriving in many chunks costs linear time, not quadratic.
    const inChunk = chunk.lastIndexOf(NEWLINE);
    if (inChunk === -1) {
      if (this.#end - this.#start > this.#max) this.#tooLarge(this.#end - this.#start);
      return [];
    }
    const last = from + inChunk;
    const region = this.#buffer.subarray(this.#start, last);
    this.#start = last + 1;
    if (this.#end - this.#start > this.#max) this.#tooLarge(this.#end - this.#start);
    if (this.#start === this.#end) this.#start = this.#end = 0;
    let text: string;
    try {
      text = this.#text.decode(region);
    } catch (cause) {
      throw new FrameError("Cannot read a frame: it is not UTF-8", { cause });
    }
    const messages: unknown[] = [];
    for (const line of text.split("\n")) {
      if (
        line.length > this.#max ||
        (line.length * 3 > this.#max && encoder.encode(line).length > this.#max)
      ) {
        this.#tooLarge(encoder.encode(line).length);
      }
      try {
        messages.push(JSON.parse(line));
      } catch (cause) {
        throw new FrameError("Cannot read a frame: it is not JSON", { cause });
      }
    }
    return messages;
  }

  #notAFrame(): never {
    throw new FrameError("Cannot read a frame: it does not start with {");
  }

  #tooLarge(bytes: number): never {
    throw new FrameError(
      `Cannot read a frame of ${bytes} bytes or more: the limit is ${this.#max}`,
    );
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
  readonly #max: number;
  #queue: string[] = [];
  #queuedChars = 0;
  #writing = 0;
  #scheduled = false;
  #last: Promise<void> = Promise.resolve();
  #error: unknown;

  /**
   * @param sink Where the bytes go.
   * @param options The frame size limit.
   */
  constructor(sink: ByteSink, options: FrameOptions = {}) {
    this.#sink = sink;
    this.#max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /**
   * Queues a message; it is written with the others sent in the same tick.
   *
   * @param message A JSON object.
   * @throws {FrameError} When the message is larger than the frame limit.
   * @throws {TypeError} When the message is not a JSON object.
   */
  send(message: unknown): void {
    const text = frameText(message, this.#max);
    this.#queue.push(text);
    this.#queuedChars += text.length + 1;
    // A long burst leaves in slices, so the peer starts on the first while
    // the rest is encoded.
    if (this.#queuedChars >= 16 * 1024) return this.#flush();
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /**
   * About how many bytes are sent but not yet taken by the stream: a peer that
   * stops reading makes this grow.
   */
  get backlog(): number {
    return this.#queuedChars + this.#writing;
  }

  /** Resolves when everything sent so far has been written; rejects if a write failed. */
  async flushed(): Promise<void> {
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    await this.#last;
    if (this.#error !== undefined) throw this.#error;
  }

  /**
   * Writes the queued frames now rather than at the end of the tick: a reader
   * that answers a chunk of requests calls it before reading again.
   */
  flush(): void {
    this.#flush();
  }

  #flush(): void {
    if (this.#queue.length === 0) return;
    const bytes = encoder.encode(`${this.#queue.join("\n")}\n`);
    this.#queue = [];
    this.#queuedChars = 0;
    this.#scheduled = false;
    const idle = this.#writing === 0;
    this.#writing += bytes.length;
    const write = (): Promise<void> | undefined =>
      this.#error === undefined ? this.#sink.write(bytes) : undefined;
    // With nothing in flight the bytes are handed over at once, not a
    // promise turn later.
    let written: Promise<void> | undefined;
    if (idle) {
      try {
        written = Promise.resolve(write());
      } catch (error) {
        written = Promise.reject(error);
      }
    } else written = this.#last.then(write);
    // A failed write (the peer is gone) is kept for flushed(), never left unhandled.
    this.#last = written
      .catch((error) => void (this.#error ??= error))
      .finally(() => void (this.#writing -= bytes.length));
  }
}
