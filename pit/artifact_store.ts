/**
 * The Artifact Store: content-addressed storage under `$SYMPHONY_HOME`. Each
 * `put` streams bytes to a temp file while hashing them (SHA-256), flushes it
 * and renames it into `blobs/<first 2 hex>/<sha256>`, so a blob is whole or
 * absent; identical content is stored once. Names are versioned per
 * namespace (an extension's id) with their metadata in the host database,
 * searchable by name prefix, tag, producer and time. A namespace sees its own
 * artifacts and those shared with it, nothing else.
 *
 * Metadata by id is cached in memory and the cache is invalidated by this
 * store's own writes; one store per database and process is expected.
 *
 * @module
 */
import type { z } from "zod";
import { SymphonyError } from "../symphony_error.ts";
import { BlobFiles } from "./_artifact_store_blobs.ts";
import { ArtifactIndex } from "./_artifact_store_index.ts";
import {
  check,
  checkName,
  checkRange,
  checkVersion,
  idSchema,
  MAX_READ_LENGTH,
  putOptionsSchema,
  searchQuerySchema,
} from "./_artifact_store_input.ts";
import { ArtifactStoreMaintenance } from "./_artifact_store_maintenance.ts";
import type { ArtifactUsage, CollectResult, CorruptBlob } from "./_artifact_store_maintenance.ts";
import { ArtifactShares } from "./_artifact_store_shares.ts";
import type {
  ArtifactStoreOptions,
  ArtifactVersion,
  ByteRange,
  GetOptions,
  PutOptions,
  SearchQuery,
  ShareOptions,
  VersionOptions,
} from "./_artifact_store_types.ts";

export type { ArtifactUsage, CollectResult, CorruptBlob } from "./_artifact_store_maintenance.ts";
export type {
  ArtifactStoreOptions,
  ArtifactVersion,
  ByteRange,
  GetOptions,
  PutOptions,
  SearchQuery,
  ShareOptions,
  VersionOptions,
} from "./_artifact_store_types.ts";

/**
 * Content-addressed, versioned artifacts with a searchable metadata index.
 *
 * @example Put, get, read and share
 * ```ts
 * import { ArtifactStore } from "./artifact_store.ts";
 * import { openHostDatabase } from "../conductor/host_database.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * using db = openHostDatabase(`${dir}/host.db`);
 * using store = new ArtifactStore({ root: `${dir}/artifacts`, db });
 * const bytes = new TextEncoder().encode("hello");
 * const put = await store.put("ext.a", bytes, { name: "greeting", producer: "ext.a" });
 * assert.equal(put.version, 1);
 * assert.equal(put.id, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
 * assert.equal(store.get("ext.a", "greeting").id, put.id);
 * assert.equal(store.metadata("ext.a", put.id).size, 5);
 * assert.deepEqual(await store.read("ext.a", put.id, { offset: 1, length: 3 }), bytes.slice(1, 4));
 *
 * assert.throws(() => store.metadata("ext.b", put.id), { code: "PermissionDenied" });
 * store.share("ext.a", "greeting", { with: "ext.b" });
 * assert.equal(store.get("ext.b", "greeting", { owner: "ext.a" }).id, put.id);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ArtifactStore implements Disposable {
  readonly #blobs: BlobFiles;
  readonly #index: ArtifactIndex;
  readonly #now: () => number;
  readonly #cacheSize: number;
  readonly #cache = new Map<string, readonly ArtifactVersion[]>();
  readonly #shares: ArtifactShares;
  // Last accesses not yet written: `namespace\nname\nversion` -> time.
  readonly #touches = new Map<string, number>();
  // Puts between hashing and recording, by id: collect() leaves their blobs.
  readonly #inFlight = new Map<string, number>();
  readonly #maintenance: ArtifactStoreMaintenance;

  /**
   * @param options The root directory, the database, the clock and the cache size.
   * @throws {RangeError} When `cacheSize` is not a positive integer.
   */
  constructor(options: ArtifactStoreOptions) {
    this.#cacheSize = options.cacheSize ?? 10_000;
    if (!Number.isSafeInteger(this.#cacheSize) || this.#cacheSize < 1) {
      throw new RangeError(`cacheSize must be a positive integer, got ${this.#cacheSize}`);
    }
    this.#blobs = new BlobFiles(options.root);
    this.#index = new ArtifactIndex(options.db);
    this.#shares = new ArtifactShares(this.#index);
    this.#now = options.now ?? Date.now;
    this.#maintenance = new ArtifactStoreMaintenance({
      blobs: this.#blobs,
      index: this.#index,
      now: this.#now,
      inFlight: (id) => this.#inFlight.has(id),
      forget: (id) => this.#cache.delete(id),
    });
  }

  /**
   * Stores content as the next version of a name. The bytes go to disk chunk
   * by chunk while being hashed; nothing is recorded unless all of them were
   * written and flushed.
   *
   * @param namespace The owner (the calling extension's id).
   * @param input The content: bytes, or a stream read to its end.
   * @param options The name, producer, media type, tags, quality and an abort signal.
   * @returns The new version.
   * @throws {SymphonyError} `InvalidInput` for a bad namespace or option or a
   * failing stream (which is then cancelled); `ResourceExhausted` when the
   * disk is full. An abort rejects with the signal's reason.
   */
  async put(
    namespace: string,
    input: Uint8Array | ReadableStream<Uint8Array>,
    options: PutOptions,
  ): Promise<ArtifactVersion> {
    let meta: z.output<typeof putOptionsSchema>;
    try {
      checkName(namespace, "namespace");
      meta = check(putOptionsSchema, options, "put the artifact");
      if (!(input instanceof Uint8Array) && !(input instanceof ReadableStream)) {
        throw new TypeError("The input of put() must be a Uint8Array or a ReadableStream");
      }
    } catch (error) {
      if (input instanceof ReadableStream) await input.cancel(error).catch(() => {});
      throw error;
    }
    const blob = await this.#blobs.write(input, meta.signal);
    this.#inFlight.set(blob.id, (this.#inFlight.get(blob.id) ?? 0) + 1);
    try {
      await this.#blobs.commit(blob);
      const version = this.#index.insert({
        namespace,
        name: meta.name,
        id: blob.id,
        producer: meta.producer,
        mediaType: meta.mediaType,
        size: blob.size,
        tags: meta.tags,
        quality: meta.quality,
        createdAt: Math.round(this.#now()),
      });
      this.#cache.delete(blob.id);
      return version;
    } finally {
      const left = (this.#inFlight.get(blob.id) ?? 1) - 1;
      if (left === 0) this.#inFlight.delete(blob.id);
      else this.#inFlight.set(blob.id, left);
    }
  }

  /**
   * The metadata of content by id, as `namespace` sees it: its own newest
   * version holding it, else the newest one shared with it. Cached.
   *
   * @param namespace The caller.
   * @param id The content's SHA-256 (hex).
   * @returns The version (a frozen object shared between callers).
   * @throws {SymphonyError} `NotFound` when no version holds it;
   * `PermissionDenied` when none of them is visible to `namespace`;
   * `InvalidInput` for a malformed id or namespace.
   */
  metadata(namespace: string, id: string): ArtifactVersion {
    const versions = this.#cache.get(id) ?? this.#load(id);
    for (const version of versions) if (version.namespace === namespace) return version;
    for (const version of versions) {
      if (this.#shares.isShared(version.namespace, version.name, namespace)) return version;
    }
    checkName(namespace, "namespace");
    throw new SymphonyError(
      "PermissionDenied",
      `Cannot read artifact ${id}: it belongs to another namespace and is not shared with "${namespace}"`,
    );
  }

  /**
   * A version by name, and records the access.
   *
   * @param namespace The caller.
   * @param name The artifact's name.
   * @param options The version (default: latest) and the owner (default: the caller).
   * @returns The version.
   * @throws {SymphonyError} `NotFound`; `PermissionDenied` when another owner
   * did not share the name with the caller; `InvalidInput`.
   */
  get(namespace: string, name: string, options: GetOptions = {}): ArtifactVersion {
    const owner = this.#shares.access(namespace, name, options.owner);
    const version = options.version === undefined
      ? undefined
      : checkVersion(options.version, "get");
    const found = this.#index.get(owner, name, version);
    if (found === undefined) {
      throw new SymphonyError(
        "NotFound",
        `Cannot get artifact "${name}"${version === undefined ? "" : ` version ${version}`}: ${
          version === undefined ? "it has no versions" : "no such version"
        } in namespace "${owner}"`,
      );
    }
    this.#touch(found);
    return found;
  }

  /**
   * Every version of a name, oldest first.
   *
   * @param namespace The caller.
   * @param name The artifact's name.
   * @param options The owner (default: the caller).
   * @returns The versions; empty when there are none.
   * @throws {SymphonyError} `PermissionDenied` when another owner did not share the name; `InvalidInput`.
   */
  versions(namespace: string, name: string, options: { owner?: string } = {}): ArtifactVersion[] {
    return this.#index.versions(this.#shares.access(namespace, name, options.owner), name);
  }

  /**
   * The versions `namespace` owns or is shared that match every filter, newest first.
   *
   * @param namespace The caller.
   * @param query Name prefix, tag, producer, time range and limit (default 100).
   * @returns The matching versions.
   * @throws {SymphonyError} `InvalidInput` for a bad namespace or filter.
   */
  search(namespace: string, query: SearchQuery = {}): ArtifactVersion[] {
    checkName(namespace, "namespace");
    return this.#index.search(namespace, check(searchQuerySchema, query, "search the artifacts"));
  }

  /**
   * Streams content in chunks (64 KiB), never loading it whole.
   *
   * @param namespace The caller.
   * @param id The content's id.
   * @param range The bytes to stream. Default: all of them.
   * @returns The stream; cancel it to close the file early.
   * @throws {SymphonyError} As {@linkcode ArtifactStore.metadata}, and `InvalidInput` for a range past the end.
   */
  async open(
    namespace: string,
    id: string,
    range: ByteRange = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const version = this.metadata(namespace, id);
    const { offset, length } = checkRange(range, version, "open");
    this.#touch(version);
    return await this.#blobs.open(id, offset, length ?? version.size - offset);
  }

  /**
   * Reads one chunk of content: what the IPC bus sends per message.
   *
   * @param namespace The caller.
   * @param id The content's id.
   * @param range The offset (default 0) and the length (required, at most 16 MiB).
   * @returns The bytes; fewer than `length` at the end of the content.
   * @throws {SymphonyError} As {@linkcode ArtifactStore.open}, and `InvalidInput` without a length or above 16 MiB.
   */
  async read(namespace: string, id: string, range: ByteRange): Promise<Uint8Array> {
    const version = this.metadata(namespace, id);
    const { offset, length } = checkRange(range, version, "read");
    if (length === undefined || length > MAX_READ_LENGTH) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot read artifact ${id}: length must be given and at most ${MAX_READ_LENGTH} bytes (stream with open())`,
      );
    }
    this.#touch(version);
    return await this.#blobs.read(id, offset, Math.min(length, version.size - offset));
  }

  /**
   * Shares every version of a name, present and future, with another namespace.
   *
   * @param namespace The owner.
   * @param name The artifact's name.
   * @param options The namespace to share with.
   * @throws {SymphonyError} `NotFound` when the owner never put that name; `InvalidInput`.
   */
  share(namespace: string, name: string, options: ShareOptions): void {
    this.#shares.share(namespace, name, options.with);
  }

  /**
   * Stops sharing a name with a namespace.
   *
   * @param namespace The owner.
   * @param name The artifact's name.
   * @param options The namespace to stop sharing with.
   * @returns Whether it was shared.
   * @throws {SymphonyError} `InvalidInput`.
   */
  unshare(namespace: string, name: string, options: ShareOptions): boolean {
    return this.#shares.unshare(namespace, name, options.with);
  }

  /**
   * Removes a version; its blob stays until {@linkcode ArtifactStore.collect}.
   *
   * @param namespace The owner.
   * @param name The artifact's name.
   * @param options The version.
   * @throws {SymphonyError} `NotFound`; `PermissionDenied` when it is pinned; `InvalidInput`.
   */
  delete(namespace: string, name: string, options: VersionOptions): void {
    const version = this.#owned(namespace, name, options.version, "delete");
    if (this.#index.pinned(namespace, name, version) === true) {
      throw new SymphonyError(
        "PermissionDenied",
        `Cannot delete artifact "${name}" version ${version}: it is pinned (unpin it first)`,
      );
    }
    const found = this.#index.get(namespace, name, version);
    if (found === undefined || !this.#index.delete(namespace, name, version)) {
      throw notFound("delete", namespace, name, version);
    }
    this.#cache.delete(found.id);
    this.#touches.delete(`${namespace}\n${name}\n${version}`);
  }

  /**
   * Pins a version: the Stale Manager keeps it and `delete` refuses it.
   *
   * @param namespace The owner.
   * @param name The artifact's name.
   * @param options The version.
   * @throws {SymphonyError} `NotFound`; `InvalidInput`.
   */
  pin(namespace: string, name: string, options: VersionOptions): void {
    const version = this.#owned(namespace, name, options.version, "pin");
    if (!this.#index.setPinned(namespace, name, version, true)) {
      throw notFound("pin", namespace, name, version);
    }
  }

  /**
   * Unpins a version.
   *
   * @param namespace The owner.
   * @param name The artifact's name.
   * @param options The version.
   * @throws {SymphonyError} `NotFound`; `InvalidInput`.
   */
  unpin(namespace: string, name: string, options: VersionOptions): void {
    const version = this.#owned(namespace, name, options.version, "unpin");
    if (!this.#index.setPinned(namespace, name, version, false)) {
      throw notFound("unpin", namespace, name, version);
    }
  }

  /**
   * Every version of every namespace with its size, creation, last access
   * and pin: what the Stale Manager weighs. Least recently used first.
   *
   * @returns The versions.
   */
  usage(): ArtifactUsage[] {
    this.flush();
    return this.#index.usage();
  }

  /**
   * Re-hashes every blob, chunk by chunk.
   *
   * @param options An abort signal.
   * @returns The blobs whose content no longer matches their id, or that are missing.
   * @throws {SymphonyError} `Internal` when a blob cannot be read. An abort rejects with its reason.
   */
  verify(options: { signal?: AbortSignal } = {}): Promise<CorruptBlob[]> {
    return this.#maintenance.verify(options.signal);
  }

  /**
   * Removes blobs no version holds, and temp files a stopped host left over an hour ago.
   *
   * @param options An abort signal.
   * @returns What was removed.
   * @throws {SymphonyError} `Internal` when a file cannot be removed.
   */
  collect(options: { signal?: AbortSignal } = {}): Promise<CollectResult> {
    return this.#maintenance.collect(options.signal);
  }

  /** Writes the recorded last accesses to the database. */
  flush(): void {
    if (this.#touches.size === 0) return;
    this.#index.touch(this.#touches);
    this.#touches.clear();
  }

  /** Writes the recorded last accesses; the database stays open (its owner closes it). */
  [Symbol.dispose](): void {
    this.flush();
  }

  #load(id: string): readonly ArtifactVersion[] {
    const versions = Object.freeze(this.#index.byId(check(idSchema, id, "read the artifact")));
    if (versions.length === 0) {
      throw new SymphonyError("NotFound", `Cannot read artifact ${id}: no such artifact`);
    }
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
    this.#cache.set(id, versions);
    return versions;
  }

  #owned(namespace: string, name: string, version: unknown, action: string): number {
    checkName(namespace, "namespace");
    checkName(name, "name");
    return checkVersion(version, action);
  }

  #touch(version: ArtifactVersion): void {
    const key = `${version.namespace}\n${version.name}\n${version.version}`;
    this.#touches.set(key, Math.round(this.#now()));
    if (this.#touches.size >= 1024) this.flush();
  }
}

function notFound(action: string, namespace: string, name: string, version: number): SymphonyError {
  return new SymphonyError(
    "NotFound",
    `Cannot ${action} artifact "${name}" version ${version}: no such version in namespace "${namespace}"`,
  );
}
