// The Artifact Store's public types (re-exported by artifact_store.ts).
import type { DatabaseSync } from "node:sqlite";
import type { z } from "zod";
import type { putOptionsSchema, rangeSchema, searchQuerySchema } from "./_artifact_store_input.ts";

/** Where the store keeps its files and metadata. */
export interface ArtifactStoreOptions {
  /** The store's directory, e.g. `$SYMPHONY_HOME/artifacts`; created on the first put. */
  root: string;
  /** The host database, whose migrations (`conductor/host_database.ts`) include the store's tables. */
  db: DatabaseSync;
  /** The clock, in ms since the epoch. Default: `Date.now`. */
  now?: () => number;
  /** How many ids' metadata the cache holds; the oldest entry leaves first. Default: 10,000. */
  cacheSize?: number;
}

/** One version of a named artifact. Frozen: callers share the cached object. */
export interface ArtifactVersion {
  /** The content's SHA-256, lowercase hex. */
  readonly id: string;
  /** The namespace (extension id) that owns it. */
  readonly namespace: string;
  readonly name: string;
  /** 1 for a name's first put, then 2, 3, ...; a deleted version's number is never reused. */
  readonly version: number;
  /** In bytes. */
  readonly size: number;
  readonly mediaType: string;
  readonly tags: readonly string[];
  readonly producer: string;
  /** From 0 to 1, when the producer gave one. */
  readonly quality?: number;
  /** When it was put, in ms since the epoch. */
  readonly createdAt: number;
}

/** The metadata of a new version; see `putOptionsSchema` for each field's default. */
export type PutOptions = z.input<typeof putOptionsSchema>;

/** The filters of {@linkcode ArtifactStore.search}; every one given must match. */
export type SearchQuery = z.input<typeof searchQuerySchema>;

/** A byte range: `offset` (default 0) and `length` (default: to the end). */
export type ByteRange = z.input<typeof rangeSchema>;

/** Which version to get, and from whom. */
export interface GetOptions {
  /** Default: the latest. */
  version?: number;
  /** The namespace that owns the artifact, when it was shared. Default: the caller's. */
  owner?: string;
}

/** Which namespace to share with, or stop sharing with. */
export interface ShareOptions {
  with: string;
}

/** Which version. */
export interface VersionOptions {
  version: number;
}
