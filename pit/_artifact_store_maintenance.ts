// The Artifact Store's upkeep: verify re-hashes every blob, collect removes
// the blobs no version holds. Both walk the disk in chunks, never whole files.
import type { BlobFiles } from "./_artifact_store_blobs.ts";
import type { ArtifactIndex } from "./_artifact_store_index.ts";

/** One version as the Stale Manager weighs it. */
export interface ArtifactUsage {
  namespace: string;
  name: string;
  version: number;
  /** The content's id. */
  id: string;
  /** In bytes. Versions holding the same content share its blob. */
  size: number;
  /** When it was put, in ms since the epoch. */
  createdAt: number;
  /** When it was last read (get, open, read), or put, in ms since the epoch. */
  lastAccessAt: number;
  /** Whether it is pinned: kept, and refused by delete. */
  pinned: boolean;
}

/** A blob whose file no longer holds the content its id names. */
export interface CorruptBlob {
  id: string;
  /** The digest the content should have: the id. */
  expected: string;
  /** The digest of the file as it is now, or "missing" when there is no file. */
  actual: string;
}

/** What {@linkcode ArtifactStoreMaintenance.collect} removed. */
export interface CollectResult {
  /** Blobs no version held. */
  blobs: number;
  /** Their total size, in bytes. */
  bytes: number;
  /** Temp files left by a host that stopped during a put. */
  temps: number;
}

/** How old a temp file of another host must be before collect removes it. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** What the upkeep needs of the store. */
export interface MaintenanceParts {
  blobs: BlobFiles;
  index: ArtifactIndex;
  now: () => number;
  /** Whether a put of this id is between hashing and recording. */
  inFlight: (id: string) => boolean;
  /** Drops an id from the metadata cache. */
  forget: (id: string) => void;
}

/** Verification and garbage collection of blobs. */
export class ArtifactStoreMaintenance {
  readonly #parts: MaintenanceParts;

  constructor(parts: MaintenanceParts) {
    this.#parts = parts;
  }

  /** Re-hashes every recorded blob; returns the corrupt and missing ones. */
  async verify(signal: AbortSignal | undefined): Promise<CorruptBlob[]> {
    const corrupt: CorruptBlob[] = [];
    for (const { id, size } of this.#parts.index.blobs()) {
      signal?.throwIfAborted();
      const found = await this.#parts.blobs.hash(id, signal);
      if (found === undefined) corrupt.push({ id, expected: id, actual: "missing" });
      else if (found.digest !== id || found.size !== size) {
        corrupt.push({ id, expected: id, actual: found.digest });
      }
    }
    return corrupt;
  }

  /** Removes unreferenced blobs (files and rows) and stale temp files. */
  async collect(signal: AbortSignal | undefined): Promise<CollectResult> {
    const { blobs, index } = this.#parts;
    const ids = new Set(await blobs.ids());
    for (const { id } of index.blobs()) ids.add(id);
    const result: CollectResult = { blobs: 0, bytes: 0, temps: 0 };
    for (const id of ids) {
      signal?.throwIfAborted();
      // Checked and removed with no await between: a put cannot slip in.
      if (this.#parts.inFlight(id) || index.referenced(id)) continue;
      const removed = blobs.removeSync(id);
      index.deleteBlob(id);
      this.#parts.forget(id);
      if (removed !== undefined) {
        result.blobs++;
        result.bytes += removed;
      }
    }
    result.temps = await blobs.removeStaleTemps(this.#parts.now() - STALE_TEMP_MS);
    return result;
  }
}
