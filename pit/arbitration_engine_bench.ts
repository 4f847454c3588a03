/**
 * The hot operation of the Arbitration Engine: an uncontended acquire and
 * release of one resource, while 100 other resources are each held by a lease.
 * The baseline keeps leases in an array and sums, by linear scan, the units
 * held of the resource asked for, as a naive arbiter would.
 */
import { ArbitrationEngine, type ArbitrationRequest } from "./arbitration_engine.ts";

const OTHERS = 100;
const request: ArbitrationRequest = { holder: "ext.bench", resources: [{ name: "gpu" }] };

const engine = new ArbitrationEngine();
engine.defineResource("gpu", { capacity: 1 });
for (let i = 0; i < OTHERS; i++) {
  engine.defineResource(`net:host${i}.example.com`, { capacity: 4 });
  engine.tryAcquire({ holder: `ext.${i}`, resources: [{ name: `net:host${i}.example.com` }] });
}

Deno.bench({
  name: "tryAcquire + release, uncontended (ArbitrationEngine)",
  group: "acquire + release",
  fn(): void {
    const lease = engine.tryAcquire(request);
    if (lease === undefined) throw new Error("the gpu should be free");
    engine.release(lease);
  },
});

interface NaiveLease {
  id: number;
  holder: string;
  resource: string;
  units: number;
}
const capacities = new Map<string, number>([["gpu", 1]]);
const naiveLeases: NaiveLease[] = [];
for (let i = 0; i < OTHERS; i++) {
  capacities.set(`net:host${i}.example.com`, 4);
  naiveLeases.push({ id: i, holder: `ext.${i}`, resource: `net:host${i}.example.com`, units: 1 });
}
let naiveId = OTHERS;

function naiveAcquire(holder: string, resource: string): NaiveLease | undefined {
  const units = 1;
  let used = 0;
  for (const lease of naiveLeases) if (lease.resource === resource) used += lease.units;
  if (used + units > (capacities.get(resource) ?? 0)) return undefined;
  const lease = { id: naiveId++, holder, resource, units };
  naiveLeases.push(lease);
  return lease;
}

function naiveRelease(lease: NaiveLease): void {
  const index = naiveLeases.findIndex((l) => l.id === lease.id);
  if (index >= 0) naiveLeases.splice(index, 1);
}

Deno.bench({
  name: "acquire + release by linear scan of leases (baseline)",
  group: "acquire + release",
  baseline: true,
  fn(): void {
    const lease = naiveAcquire("ext.bench", "gpu");
    if (lease === undefined) throw new Error("the gpu should be free");
    naiveRelease(lease);
  },
});
