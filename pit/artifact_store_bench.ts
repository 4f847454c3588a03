// The Artifact Store's hot operation, metadata by id (cached), beside an
// uncached SQLite lookup; and `put` of a 100 MiB stream beside hashing the
// same bytes alone (what `sha256sum` does), for put's throughput in MB/s.
import { createHash } from "node:crypto";
import { openHostDatabase } from "../conductor/host_database.ts";
import { ArtifactStore } from "./artifact_store.ts";

const dir = await Deno.makeTempDir({ prefix: "artifact-store-bench-" });
const db = openHostDatabase(`${dir}/host.db`);
const store = new ArtifactStore({ root: `${dir}/artifacts`, db });
globalThis.addEventListener("unload", () => {
  store[Symbol.dispose]();
  db.close();
  Deno.removeSync(dir, { recursive: true });
});

// 400 artifacts in two namespaces, put concurrently; the looked-up ids are ext.a's.
const ids: string[] = [];
await Promise.all(Array.from({ length: 400 }, async (_, i) => {
  const namespace = i % 2 === 0 ? "ext.a" : "ext.b";
  const put = await store.put(namespace, new TextEncoder().encode(`artifact ${i}`), {
    name: `report/${i}`,
    producer: namespace,
    tags: ["bench"],
  });
  if (namespace === "ext.a") ids.push(put.id);
}));
for (const id of ids) store.metadata("ext.a", id);

const byId = db.prepare(
  `SELECT namespace, name, version, id, producer, media_type, size, tags, quality, created_at
   FROM artifact_versions WHERE id = ? ORDER BY created_at DESC, rowid DESC`,
);
let next = 0;
let sink = 0;

Deno.bench({
  name: "metadata(id), cached",
  group: "metadata",
  fn(): void {
    next = (next + 1) % ids.length;
    sink += store.metadata("ext.a", ids[next] ?? "").size;
  },
});

Deno.bench({
  name: "baseline: SQLite query by id, uncached",
  group: "metadata",
  baseline: true,
  fn(): void {
    next = (next + 1) % ids.length;
    const rows = byId.all(ids[next] ?? "") as { namespace: string; size: number; tags: string }[];
    for (const row of rows) {
      if (row.namespace === "ext.a") {
        sink += row.size + (JSON.parse(row.tags) as string[]).length;
        break;
      }
    }
  },
});

// 100 MiB as 1,600 chunks of 64 KiB, from memory.
const CHUNK = crypto.getRandomValues(new Uint8Array(64 * 1024));
const CHUNKS = 1_600;

function hundredMiB(): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller): void {
      if (sent++ < CHUNKS) controller.enqueue(CHUNK);
      else controller.close();
    },
  });
}

Deno.bench({
  name: "put() of a 100 MiB stream (hash, write, fsync, rename)",
  group: "put 100 MiB",
  n: 5,
  warmup: 1,
  async fn(): Promise<void> {
    const put = await store.put("ext.a", hundredMiB(), { name: "big", producer: "bench" });
    sink += put.size;
  },
});

Deno.bench({
  name: "baseline: SHA-256 of the same 100 MiB (sha256sum-style)",
  group: "put 100 MiB",
  baseline: true,
  n: 5,
  warmup: 1,
  async fn(): Promise<void> {
    const hash = createHash("sha256");
    for await (const chunk of hundredMiB()) hash.update(chunk);
    sink += hash.digest().byteLength;
  },
});

globalThis.addEventListener("unload", () => {
  if (sink < 0) console.log(sink);
});
