/**
 * The Pool Manager's hot path: a checkout and checkin of a warm instance
 * among 200 extensions (target: at least 1,000,000 pairs/s), beside a naive
 * pool that finds the extension by id in an array, then a free instance by a
 * linear scan.
 *
 * @module
 */
import { PoolManager } from "./pool_manager.ts";

const EXTENSIONS = 200;
const HOT = "acme.ext-150";
const ids = Array.from({ length: EXTENSIONS }, (_, i) => `acme.ext-${i}`);

const pools = new PoolManager<{ id: string }>({
  factory: {
    start: (id) => Promise.resolve({ id }),
    stop: () => Promise.resolve(),
  },
  budget: { maxProcesses: 2 * EXTENSIONS },
  onError: (error) => {
    throw error;
  },
});
for (const id of ids) pools.configure(id, { minWarm: 2, maxInstances: 2, maxConcurrency: 4 });
const warm = await pools.ensureWarm();
if (warm.started.length !== 2 * EXTENSIONS) throw new Error("the pools did not warm up");

interface NaiveInstance {
  inFlight: number;
  maxConcurrency: number;
}
const naive = ids.map((id) => ({
  id,
  instances: [0, 1].map((): NaiveInstance => ({ inFlight: 0, maxConcurrency: 4 })),
}));

Deno.bench({
  name: "naive: Array.find by id, then a linear scan for a free slot",
  group: "checkout+checkin of a warm instance",
  baseline: true,
  fn: () => {
    const extension = naive.find((e) => e.id === HOT);
    const instance = extension?.instances.find((i) => i.inFlight < i.maxConcurrency);
    if (instance === undefined) throw new Error("no free slot");
    instance.inFlight++;
    instance.inFlight--;
  },
});

Deno.bench({
  name: "PoolManager.tryCheckout() + checkin()",
  group: "checkout+checkin of a warm instance",
  fn: () => {
    const checkout = pools.tryCheckout(HOT);
    if (checkout === undefined) throw new Error("no free slot");
    pools.checkin(checkout);
  },
});

Deno.bench({
  name: "PoolManager.checkout() (a promise) + checkin()",
  group: "checkout+checkin of a warm instance",
  fn: async () => {
    pools.checkin(await pools.checkout(HOT));
  },
});
