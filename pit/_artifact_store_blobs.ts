// The Artifact Store's blob files: `<root>/blobs/<first 2 hex>/<sha256>`,
// written through `<root>/tmp/` and renamed into place, read in chunks.
//
// Hashing uses node:crypto's createHash: WebCrypto's crypto.subtle.digest has
// no incremental API, so it would need the whole content in memory, while an
// incremental hash takes a stream chunk by chunk in constant memory.
import { createHash } from "node:crypto";
import { SymphonyError } from "../symphony_error.ts";

/** The size of the chunks `open()` streams and `verify()` hashes. */
export const CHUNK_SIZE = 64 * 1024;

/** A blob written to a temp file, not yet in place. */
export interface WrittenBlob {
  id: string;
  size: number;
  temp: string;
}

/** The blob files under one root. */
export class BlobFiles {
  readonly #blobs: string;
  readonly #tmp: string;
  readonly #temps = new Set<string>();
  #ready: Promise<void> | undefined;

  constructor(root: string) {
    this.#blobs = `${root}/blobs`;
    this.#tmp = `${root}/tmp`;
  }

  /** Where the blob of `id` is. */
  path(id: string): string {
    return `${this.#blobs}/${id.slice(0, 2)}/${id}`;
  }

  /**
   * Streams the input to a new temp file, hashing each chunk as it is written,
   * and flushes it to disk. On any failure the temp file is removed.
   */
  async write(
    input: Uint8Array | ReadableStream<Uint8Array>,
    signal: AbortSignal | undefined,
  ): Promise<WrittenBlob> {
    this.#ready ??= Promise.all([
      Deno.mkdir(this.#tmp, { recursive: true }),
      Deno.mkdir(this.#blobs, { recursive: true }),
    ]).then(() => undefined);
    await this.#ready;
    const temp = `${this.#tmp}/${crypto.randomUUID()}`;
    this.#temps.add(temp);
    const hash = createHash("sha256");
    let size = 0;
    let file: Deno.FsFile | undefined;
    try {
      file = await Deno.open(temp, { createNew: true, write: true });
      const write = async (chunk: Uint8Array): Promise<void> => {
        hash.update(chunk);
        size += chunk.byteLength;
        for (let done = 0; done < chunk.byteLength;) {
          done += await (file as Deno.FsFile).write(chunk.subarray(done));
        }
      };
      if (input instanceof Uint8Array) {
        signal?.throwIfAborted();
        await write(input);
      } else {
        await pipe(input, signal, write);
      }
      await file.syncData();
      const written = (await file.stat()).size;
      if (written !== size) {
        throw new SymphonyError(
          "Internal",
          `Cannot store the artifact: ${written} bytes reached the disk, not ${size}`,
        );
      }
      return { id: hash.digest("hex"), size, temp };
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      this.#temps.delete(temp);
      throw signal?.aborted ? signal.reason : fileError(error, "store the artifact");
    } finally {
      file?.close();
    }
  }

  /**
   * Moves a written blob into place (atomic rename), or drops it when the
   * same content (same hash and size) is there already.
   */
  async commit(blob: WrittenBlob): Promise<void> {
    const path = this.path(blob.id);
    try {
      const existing = await Deno.stat(path).catch(() => undefined);
      if (existing?.size === blob.size) {
        await Deno.remove(blob.temp);
        return;
      }
      const dir = `${this.#blobs}/${blob.id.slice(0, 2)}`;
      await Deno.mkdir(dir, { recursive: true });
      await Deno.rename(blob.temp, path);
      // The rename survives a power cut only once its directory is flushed.
      using handle = await Deno.open(dir, { read: true });
      await handle.syncData();
    } catch (error) {
      await Deno.remove(blob.temp).catch(() => {});
      throw fileError(error, "store the artifact");
    } finally {
      this.#temps.delete(blob.temp);
    }
  }

  /** Re-hashes a blob in chunks: its digest and size, or undefined when it is missing. */
  async hash(
    id: string,
    signal: AbortSignal | undefined,
  ): Promise<{ digest: string; size: number } | undefined> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path(id), { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw fileError(error, "verify the artifacts");
    }
    using _ = file;
    const hash = createHash("sha256");
    const buffer = new Uint8Array(CHUNK_SIZE * 4);
    let size = 0;
    for (;;) {
      signal?.throwIfAborted();
      const read = await file.read(buffer);
      if (read === null) break;
      hash.update(buffer.subarray(0, read));
      size += read;
    }
    return { digest: hash.digest("hex"), size };
  }

  /** Streams `length` bytes from `offset`, one chunk per pull; the file closes at the end or on cancel. */
  async open(id: string, offset: number, length: number): Promise<ReadableStream<Uint8Array>> {
    const file = await this.#openAt(id, offset);
    let left = length;
    return new ReadableStream<Uint8Array>({
      async pull(controller): Promise<void> {
        try {
          const chunk = new Uint8Array(Math.min(CHUNK_SIZE, left));
          const read = chunk.byteLength === 0 ? null : await file.read(chunk);
          if (read === null) {
            file.close();
            controller.close();
            return;
          }
          left -= read;
          controller.enqueue(read === chunk.byteLength ? chunk : chunk.subarray(0, read));
        } catch (error) {
          file.close();
          controller.error(error);
        }
      },
      cancel(): void {
        file.close();
      },
    });
  }

  /** Reads up to `length` bytes from `offset` (fewer at the end of the blob). */
  async read(id: string, offset: number, length: number): Promise<Uint8Array> {
    using file = await this.#openAt(id, offset);
    const bytes = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const read = await file.read(bytes.subarray(filled));
      if (read === null) break;
      filled += read;
    }
    return filled === length ? bytes : bytes.slice(0, filled);
  }

  /** The ids of every blob file on disk. */
  async ids(): Promise<string[]> {
    const ids: string[] = [];
    for (const dir of await entries(this.#blobs)) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const name of await entries(`${this.#blobs}/${dir}`)) {
        if (/^[0-9a-f]{64}$/.test(name) && name.startsWith(dir)) ids.push(name);
      }
    }
    return ids;
  }

  /** Removes a blob file; returns its size, or undefined when it was not there. */
  removeSync(id: string): number | undefined {
    try {
      const size = Deno.statSync(this.path(id)).size;
      Deno.removeSync(this.path(id));
      return size;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw fileError(error, "remove a blob");
    }
  }

  /** Removes temp files left by a host that stopped midway: not written by this one, older than `before`. */
  async removeStaleTemps(before: number): Promise<number> {
    let removed = 0;
    for (const name of await entries(this.#tmp)) {
      const path = `${this.#tmp}/${name}`;
      if (this.#temps.has(path)) continue;
      const stat = await Deno.stat(path).catch(() => undefined);
      if (stat?.isFile && (stat.mtime?.getTime() ?? 0) < before) {
        await Deno.remove(path).catch(() => {});
        removed++;
      }
    }
    return removed;
  }

  async #openAt(id: string, offset: number): Promise<Deno.FsFile> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path(id), { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new SymphonyError(
          "NotFound",
          `Cannot read artifact ${id}: its blob file is missing (verify() reports it)`,
          { cause: error },
        );
      }
      throw fileError(error, `read artifact ${id}`);
    }
    if (offset > 0) await file.seek(offset, Deno.SeekMode.Start);
    return file;
  }
}

// Reads the stream to its end through `write`; an abort cancels the stream,
// even while a read is pending.
async function pipe(
  input: ReadableStream<Uint8Array>,
  signal: AbortSignal | undefined,
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  const reader = input.getReader();
  const abort = (): void => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", abort, { once: true });
  try {
    signal?.throwIfAborted();
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        throw new SymphonyError("InvalidInput", "Cannot store the artifact: its stream failed", {
          cause: error,
        });
      }
      signal?.throwIfAborted();
      if (next.done) return;
      if (!(next.value instanceof Uint8Array)) {
        throw new SymphonyError(
          "InvalidInput",
          "Cannot store the artifact: its stream yielded a chunk that is not a Uint8Array",
        );
      }
      await write(next.value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    signal?.removeEventListener("abort", abort);
    reader.releaseLock();
  }
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw fileError(error, "list the blobs");
  }
  return names;
}

// File system failures become SymphonyErrors; a full disk is ResourceExhausted.
function fileError(error: unknown, action: string): unknown {
  if (error instanceof SymphonyError || (error instanceof DOMException)) return error;
  if (!(error instanceof Error)) return error;
  const full = (error as { code?: unknown }).code === "ENOSPC";
  return new SymphonyError(
    full ? "ResourceExhausted" : "Internal",
    `Cannot ${action}: ${full ? "the disk is full" : error.message}`,
    { cause: error },
  );
}
