import assert from "node:assert/strict";
import {
  ArbitrationEngine,
  type ArbitrationEngineOptions,
  type ArbitrationRequest,
  type Lease,
} from "./arbitration_engine.ts";
import { code, gpu, setup } from "./_arbitration_engine_fixture.ts";

Deno.test("arbitrationEngine.tryAcquire() never grants more units than a resource's capacity", () => {
  const { engine } = setup();
  const net = (units: number): ArbitrationRequest => ({
    holder: "ext.a",
    resources: [{ name: "net:api.example.com", units }],
  });
  const three = engine.tryAcquire(net(3));
  assert.ok(three);
  assert.equal(engine.tryAcquire(net(3)), undefined);
  const two = engine.tryAcquire(net(2));
  assert.deepEqual(two?.resources, [{ name: "net:api.example.com", units: 2 }]);
  assert.equal(engine.tryAcquire(net(1)), undefined);
  assert.equal(engine.usage("net:api.example.com").used, 5);
  engine.release(three);
  assert.equal(engine.usage("net:api.example.com").used, 2);
  assert.ok(engine.tryAcquire(net(3)));
});

Deno.test("arbitrationEngine.tryAcquire() shares a file among readers and gives a writer it alone", async (t) => {
  const read = (holder: string): ArbitrationRequest => ({
    holder,
    resources: [{ name: "file:/data/a", mode: "read" }],
  });
  const write = (holder: string): ArbitrationRequest => ({
    holder,
    resources: [{ name: "file:/data/a", mode: "write" }],
  });
  await t.step("readers up to the capacity; no writer while one reads", () => {
    const { engine } = setup();
    const readers = ["a", "b", "c"].map((h) => engine.tryAcquire(read(h)));
    assert.ok(readers.every((lease) => lease !== undefined));
    assert.equal(engine.tryAcquire(read("d")), undefined);
    for (const lease of readers.slice(0, 2)) engine.release(lease as Lease);
    assert.equal(engine.tryAcquire(write("w")), undefined);
    engine.release(readers[2] as Lease);
    assert.deepEqual(engine.tryAcquire(write("w"))?.resources, [
      { name: "file:/data/a", mode: "write", units: 1 },
    ]);
  });
  await t.step("no reader and no second writer while one writes", () => {
    const { engine } = setup();
    assert.ok(engine.tryAcquire({ holder: "w", resources: [{ name: "file:/data/a" }] }));
    assert.equal(engine.tryAcquire(read("r")), undefined);
    assert.equal(engine.tryAcquire(write("w2")), undefined);
  });
});

Deno.test("arbitrationEngine.acquire() holds nothing while it waits, so crossed requests both complete", async () => {
  const { engine } = setup();
  const blocker = engine.tryAcquire({ holder: "ext.c", resources: [{ name: "x" }] });
  assert.ok(blocker);
  const a = engine.acquire({ holder: "ext.a", resources: [{ name: "x" }, { name: "y" }] });
  const b = engine.acquire({ holder: "ext.b", resources: [{ name: "y" }, { name: "x" }] });
  assert.equal(engine.usage("y").used, 0, "y is free although both requests name it");
  assert.deepEqual(engine.pending().map((p) => p.holder), ["ext.a", "ext.b"]);
  engine.release(blocker);
  const leaseA = await a;
  assert.equal(engine.usage("x").used, 1);
  assert.equal(engine.usage("y").used, 1);
  engine.release(leaseA);
  assert.equal((await b).holder, "ext.b");
});

Deno.test("arbitrationEngine.acquire() completes every request when many holders cross over shared resources", async () => {
  const { engine } = setup();
  engine.defineResource("z", { capacity: 2 });
  let seed = 42;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const names = ["x", "y", "z", "gpu"];
  let overCapacity = false;
  const worker = async (holder: string): Promise<number> => {
    let done = 0;
    for (let round = 0; round < 20; round++) {
      const picked = names.filter(() => random() < 0.5);
      const claims = (picked.length > 0 ? picked : ["z"]).sort(() => random() - 0.5);
      const lease = await engine.acquire({ holder, resources: claims.map((name) => ({ name })) });
      for (const name of names) {
        const { used, capacity } = engine.usage(name);
        if (used > capacity) overCapacity = true;
      }
      await Promise.resolve();
      engine.release(lease);
      done++;
    }
    return done;
  };
  const done = await Promise.all(Array.from({ length: 12 }, (_, i) => worker(`ext.${i}`)));
  assert.deepEqual(done, Array(12).fill(20));
  assert.equal(overCapacity, false);
  assert.equal(engine.pending().length, 0);
});

Deno.test("arbitrationEngine.sweep() ends leases whose TTL passed and serves the next in line", async () => {
  const { engine, clock } = setup();
  const lease = engine.tryAcquire(gpu("ext.a", { ttlMs: 100 }));
  assert.equal(lease?.expiresAt, 100);
  const next = engine.acquire(gpu("ext.b"));
  clock.time = 99;
  assert.equal(engine.sweep(), 0);
  assert.equal(engine.pending().length, 1);
  clock.time = 100;
  assert.equal(engine.sweep(), 1);
  assert.equal((await next).holder, "ext.b");
  assert.equal(engine.release(lease as Lease), false, "an expired lease is already released");
});

Deno.test("arbitrationEngine.tryAcquire() takes back an expired lease without waiting for a sweep", () => {
  const { engine, clock } = setup({ defaultTtlMs: 50 });
  assert.ok(engine.tryAcquire(gpu("ext.a")));
  clock.time = 49;
  assert.equal(engine.tryAcquire(gpu("ext.b")), undefined);
  clock.time = 50;
  assert.equal(engine.tryAcquire(gpu("ext.b"))?.holder, "ext.b");
});

Deno.test("arbitrationEngine.releaseHolder() frees a stopped holder's leases and rejects its waiting requests", async () => {
  const { engine } = setup();
  engine.tryAcquire(gpu("ext.a"));
  engine.tryAcquire({ holder: "ext.a", resources: [{ name: "x" }] });
  const waiting = engine.acquire({ holder: "ext.a", resources: [{ name: "gpu" }, { name: "y" }] });
  const other = engine.acquire(gpu("ext.b"));
  assert.equal(engine.releaseHolder("ext.a", "Disabled"), 2);
  await assert.rejects(
    waiting,
    (e) => code(e) === "Disabled" && /ext\.a: it was stopped/.test(String(e)),
  );
  assert.equal((await other).holder, "ext.b");
  assert.equal(engine.usage("x").used, 0);
  assert.equal(engine.usage("y").waiting, 0);
});

Deno.test("arbitrationEngine.releaseHolder() rejects with Crashed by default", async () => {
  const { engine } = setup();
  engine.tryAcquire(gpu("ext.b"));
  const waiting = engine.acquire(gpu("ext.a"));
  assert.equal(engine.releaseHolder("ext.a"), 0);
  await assert.rejects(waiting, (e) => code(e) === "Crashed");
});

Deno.test("arbitrationEngine.release() of the same lease twice returns false and frees nothing more", () => {
  const { engine } = setup();
  const first = engine.tryAcquire({ holder: "a", resources: [{ name: "net:api.example.com" }] });
  engine.tryAcquire({ holder: "b", resources: [{ name: "net:api.example.com" }] });
  assert.equal(engine.release(first as Lease), true);
  assert.equal(engine.release(first as Lease), false);
  assert.equal(engine.usage("net:api.example.com").used, 1);
  const forged: Lease = { ...(first as Lease) };
  assert.equal(engine.release(forged), false);
});

Deno.test("arbitrationEngine rejects bad requests with clear errors", async (t) => {
  const cases: { name: string; request: unknown; code: string; message: RegExp }[] = [
    {
      name: "unknown resource",
      request: gpu("a", { resources: [{ name: "tpu" }] }),
      code: "NotFound",
      message: /Cannot acquire "tpu" for a: no such resource/,
    },
    {
      name: "empty holder",
      request: gpu(""),
      code: "InvalidInput",
      message: /holder must be a non-empty/,
    },
    {
      name: "no resources",
      request: { holder: "a", resources: [] },
      code: "InvalidInput",
      message: /a named no resources/,
    },
    {
      name: "resource named twice",
      request: { holder: "a", resources: [{ name: "x" }, { name: "x" }] },
      code: "InvalidInput",
      message: /Cannot acquire x for a: the request names it twice/,
    },
    {
      name: "more units than capacity",
      request: { holder: "a", resources: [{ name: "gpu", units: 2 }] },
      code: "InvalidInput",
      message: /2 units requested but its capacity is 1/,
    },
    {
      name: "fractional units",
      request: { holder: "a", resources: [{ name: "gpu", units: 0.5 }] },
      code: "InvalidInput",
      message: /units must be a positive integer/,
    },
    {
      name: "mode on a counted resource",
      request: { holder: "a", resources: [{ name: "gpu", mode: "read" }] },
      code: "InvalidInput",
      message: /counted resource takes no read\/write mode/,
    },
    {
      name: "unknown mode",
      request: { holder: "a", resources: [{ name: "file:/data/a", mode: "append" }] },
      code: "InvalidInput",
      message: /mode must be "read" or "write"/,
    },
    {
      name: "units on a file",
      request: { holder: "a", resources: [{ name: "file:/data/a", units: 2 }] },
      code: "InvalidInput",
      message: /one unit at a time/,
    },
    {
      name: "NaN priority",
      request: gpu("a", { priority: NaN }),
      code: "InvalidInput",
      message: /priority must be a finite number/,
    },
    {
      name: "zero weight",
      request: gpu("a", { weight: 0 }),
      code: "InvalidInput",
      message: /weight must be a positive number/,
    },
    {
      name: "negative TTL",
      request: gpu("a", { ttlMs: -1 }),
      code: "InvalidInput",
      message: /ttlMs must be a positive/,
    },
  ];
  for (const { name, request, code: expected, message } of cases) {
    await t.step(name, async () => {
      const { engine } = setup();
      const matches = (e: unknown): boolean => code(e) === expected && message.test(String(e));
      assert.throws(() => engine.tryAcquire(request as ArbitrationRequest), matches);
      await assert.rejects(engine.acquire(request as ArbitrationRequest), matches);
      assert.equal(engine.usage("gpu").used, 0);
    });
  }
});

Deno.test("arbitrationEngine.defineResource() rejects bad names and capacities", async (t) => {
  const cases: { name: string; options: unknown; message: RegExp }[] = [
    { name: "GPU", options: { capacity: 1 }, message: /lowercase word/ },
    { name: "", options: { capacity: 1 }, message: /lowercase word/ },
    { name: "file:", options: { capacity: 1 }, message: /lowercase word/ },
    { name: "net:bad host", options: { capacity: 1 }, message: /net: resource names a host/ },
    {
      name: "gpu",
      options: { capacity: 0 },
      message: /capacity must be a positive integer, got 0/,
    },
    { name: "gpu", options: { capacity: 1.5 }, message: /capacity must be a positive integer/ },
    { name: "gpu", options: { capacity: 1, kind: "pool" }, message: /kind must be/ },
    {
      name: "x",
      options: { capacity: 1 },
      message: /Cannot define resource x: it is already defined/,
    },
  ];
  for (const { name, options, message } of cases) {
    await t.step(`${JSON.stringify(name)} ${JSON.stringify(options)}`, () => {
      const { engine } = setup();
      const fresh = name === "x" ? engine : new ArbitrationEngine();
      assert.throws(
        () => fresh.defineResource(name, options as { capacity: number }),
        (e) => code(e) === "InvalidInput" && message.test(String(e)),
      );
    });
  }
  await t.step("good names and their default kinds", () => {
    const engine = new ArbitrationEngine();
    engine.defineResource("net:api.example.com:443", { capacity: 2 });
    engine.defineResource("file:/data/My File.bin", { capacity: 4 });
    engine.defineResource("db.main", { capacity: 1, kind: "read-write" });
    assert.equal(engine.usage("net:api.example.com:443").kind, "counted");
    assert.equal(engine.usage("file:/data/My File.bin").kind, "read-write");
    assert.equal(engine.usage("db.main").kind, "read-write");
    assert.throws(() => engine.usage("gpu"), (e) => code(e) === "NotFound");
  });
});

Deno.test("new ArbitrationEngine() rejects out-of-range options", async (t) => {
  const cases: { options: ArbitrationEngineOptions; message: RegExp }[] = [
    { options: { ageingMs: 0 }, message: /ageingMs must be positive/ },
    { options: { defaultTtlMs: -5 }, message: /defaultTtlMs must be positive/ },
    { options: { sampleRate: 1.5 }, message: /sampleRate must be in \[0, 1\]/ },
    { options: { sampleRate: NaN }, message: /sampleRate must be in \[0, 1\]/ },
  ];
  for (const { options, message } of cases) {
    await t.step(JSON.stringify(options), () => {
      assert.throws(
        () => new ArbitrationEngine(options),
        (e) => e instanceof RangeError && message.test(e.message),
      );
    });
  }
});
