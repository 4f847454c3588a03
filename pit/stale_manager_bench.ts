// The Stale Manager's hot operation, beside a baseline measured in the same
// run: `touch` (recording an access) of an existing key among 100,000 keys,
// against updating the access time in an array of 1,000 objects found by
// `findIndex`. One operation per iteration, so iter/s is touches a second.
//
// Keys are touched in a scattered order (a stride coprime with 100,000): the
// worst case for the caches, where a lookup in a Map of 100,000 strings costs
// most of the time; `Map.get` alone on the same keys is shown as the floor.
// Touching keys in the order they were created is shown too.
//
// Run with `deno task bench`. Target: at least 1,000,000 touches a second.
import { StaleManager } from "./stale_manager.ts";

const KEYS = 100_000;
const BASELINE_KEYS = 1_000;
// Coprime with both sizes, so successive touches hit scattered keys.
const STRIDE = 7_919;

const keys = Array.from({ length: KEYS }, (_, i) => `artifact/${i.toString(36)}/v${i % 7}`);
const source = {
  items: () => [],
  archive: () => Promise.resolve(),
  remove: () => Promise.resolve(),
};
const stale = new StaleManager({ source, now: () => 0 });
// The default clock, Date.now.
const clocked = new StaleManager({ source });
const slots = new Map<string, number>();
for (const [index, key] of keys.entries()) {
  stale.touch(key, 0);
  clocked.touch(key, 0);
  slots.set(key, index);
}
const records = keys.slice(0, BASELINE_KEYS).map((key) => ({ key, lastAccessAt: 0 }));

let i = 0;
let at = 0;
let sink = 0;

Deno.bench({
  name: "touch(key, at), 100,000 keys, scattered",
  group: "touch",
  fn(): void {
    i = (i + STRIDE) % KEYS;
    stale.touch(keys[i] ?? "", ++at);
  },
});

Deno.bench({
  name: "touch(key) at Date.now(), 100,000 keys, scattered",
  group: "touch",
  fn(): void {
    i = (i + STRIDE) % KEYS;
    clocked.touch(keys[i] ?? "");
  },
});

Deno.bench({
  name: "touch(key, at), 100,000 keys, in order",
  group: "touch",
  fn(): void {
    i = (i + 1) % KEYS;
    stale.touch(keys[i] ?? "", ++at);
  },
});

Deno.bench({
  name: "floor: Map.get alone, 100,000 keys, scattered",
  group: "touch",
  fn(): void {
    i = (i + STRIDE) % KEYS;
    sink += slots.get(keys[i] ?? "") ?? 0;
  },
});

Deno.bench({
  name: "baseline: findIndex over 1,000 records, then update",
  group: "touch",
  baseline: true,
  fn(): void {
    i = (i + STRIDE) % BASELINE_KEYS;
    const key = keys[i];
    const record = records[records.findIndex((r) => r.key === key)];
    if (record !== undefined) record.lastAccessAt = ++at;
  },
});

globalThis.addEventListener("unload", () => {
  // Keeps the floor's lookups from being optimised away.
  if (sink < 0) console.log(sink);
});
