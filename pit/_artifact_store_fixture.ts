// Test helpers shared by the Artifact Store's test files.
import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { openHostDatabase } from "../conductor/host_database.ts";
import { ArtifactStore, type PutOptions } from "./artifact_store.ts";

/** A store in a temp dir with a fake clock; disposing removes everything. */
export interface Fixture extends AsyncDisposable {
  root: string;
  db: DatabaseSync;
  store: ArtifactStore;
  clock: { now: number };
}

/** Opens a fresh store. */
export async function fixture(cacheSize?: number): Promise<Fixture> {
  const dir = await Deno.makeTempDir({ prefix: "artifact-store-test-" });
  const db = openHostDatabase(`${dir}/host.db`);
  const clock = { now: 1_000 };
  const root = `${dir}/artifacts`;
  const store = new ArtifactStore({
    root,
    db,
    now: () => clock.now,
    ...(cacheSize === undefined ? {} : { cacheSize }),
  });
  return {
    root,
    db,
    store,
    clock,
    async [Symbol.asyncDispose](): Promise<void> {
      store[Symbol.dispose]();
      db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
export const sha256 = (bytes: Uint8Array): string =>
  createHash("sha256").update(bytes).digest("hex");
export const meta = (name: string, more: Partial<PutOptions> = {}): PutOptions => ({
  name,
  producer: "ext.a",
  ...more,
});

export function streamOf(chunks: Uint8Array[], failAfter?: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller): void {
      if (sent === failAfter) return controller.error(new Error("extension crashed"));
      const chunk = chunks[sent++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

export async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) found.push(...await filesUnder(path));
      else found.push(path);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found;
}

export async function collectStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
