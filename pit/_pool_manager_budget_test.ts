import assert from "node:assert/strict";
import { SymphonyError } from "../symphony_error.ts";
import { setup, use } from "./_pool_manager_fake.ts";
import type { Checkout } from "./pool_manager.ts";

Deno.test("poolManager evicts the least recently used idle instance of another extension for the process budget", async (t) => {
  await t.step("the older idle instance goes", async () => {
    const s = setup({ budget: { maxProcesses: 2 } });
    await using _ = s.pools;
    ["a", "b", "c"].forEach((id) => s.pools.configure(id));
    await use(s, "b", 1);
    await use(s, "a", 2);
    assert.equal(await use(s, "c", 3), "c#3");
    assert.deepEqual(s.factory.stopped, ["b#1"]);
  });

  await t.step("a busy instance is never evicted, however old", async () => {
    const s = setup({ budget: { maxProcesses: 2 } });
    await using _ = s.pools;
    ["a", "b", "c"].forEach((id) => s.pools.configure(id));
    const busy = await s.pools.checkout("a");
    await use(s, "b", 5);
    await use(s, "c", 6);
    assert.deepEqual(s.factory.stopped, ["b#2"]);
    s.pools.checkin(busy);
  });

  await t.step("with every instance busy, the checkout waits for one to go idle", async () => {
    const s = setup({ budget: { maxProcesses: 2 } });
    await using _ = s.pools;
    ["a", "b", "c"].forEach((id) => s.pools.configure(id));
    const a = await s.pools.checkout("a");
    const b = await s.pools.checkout("b");
    let served = false;
    const c = s.pools.checkout("c").then((checkout) => (served = true, checkout));
    await s.pools.settled();
    assert.equal(served, false);
    assert.deepEqual(s.factory.stopped, []);
    s.pools.checkin(b);
    assert.equal((await c).instance, "c#3");
    assert.deepEqual(s.factory.stopped, ["b#2"]);
    s.pools.checkin(a);
  });

  await t.step("instances above minWarm go before warm ones", async () => {
    const s = setup({ budget: { maxProcesses: 2 } });
    await using _ = s.pools;
    s.pools.configure("a", { minWarm: 1 });
    s.pools.configure("b");
    s.pools.configure("c");
    await use(s, "a", 1);
    await use(s, "b", 2);
    await use(s, "c", 3);
    assert.deepEqual(s.factory.stopped, ["b#2"]);
  });
});

Deno.test("poolManager evicts idle instances, oldest first, until a new one fits the memory budget", async (t) => {
  await t.step("until it fits", async () => {
    const s = setup({ budget: { maxProcesses: 8, maxResidentBytes: 100 } });
    await using _ = s.pools;
    Object.assign(s.factory.bytes, { a: 20, b: 30, c: 50 });
    ["a", "b", "c"].forEach((id) => s.pools.configure(id));
    await use(s, "c", 1); // c is 50 bytes: the pool's guess for its next instance
    s.pools.markUnhealthy("c", "c#1");
    await s.pools.settled();
    await use(s, "a", 2);
    await use(s, "b", 3);
    assert.equal(await use(s, "c", 4), "c#4");
    assert.deepEqual(s.factory.stopped, ["c#1"], "20 + 30 + 50 fits in 100");
    s.factory.bytes.c = 60; // c#4 grew
    s.pools.markUnhealthy("c", "c#4");
    await s.pools.settled();
    assert.equal(await use(s, "c", 5), "c#5");
    assert.deepEqual(s.factory.stopped, ["c#1", "c#4", "a#2"], "30 + 60 fits, 20 + 30 + 60 not");
    assert.equal(s.pools.stats().residentBytes, 90);
  });

  await t.step("an instance larger than the whole budget is refused", async () => {
    const s = setup({ budget: { maxProcesses: 8, maxResidentBytes: 100 } });
    await using _ = s.pools;
    s.factory.bytes.a = 150;
    s.pools.configure("a");
    await use(s, "a", 1);
    s.pools.markUnhealthy("a", "a#1");
    await s.pools.settled();
    await assert.rejects(s.pools.checkout("a"), { code: "ResourceExhausted" });
  });
});

Deno.test("poolManager.ensureWarm() starts minWarm instances, then pre-warms by call rate", async (t) => {
  const cases = [
    { maxProcesses: 8, started: ["m", "m", "fast", "slow"] },
    { maxProcesses: 3, started: ["m", "m", "fast"] },
    { maxProcesses: 1, started: ["m"] },
  ];
  for (const { maxProcesses, started } of cases) {
    await t.step(`with room for ${maxProcesses}`, async () => {
      const s = setup({ budget: { maxProcesses }, prewarmRate: 0.1 });
      await using _ = s.pools;
      s.pools.configure("m", { minWarm: 2, maxInstances: 3 });
      ["slow", "fast", "rare"].forEach((id) => s.pools.configure(id));
      s.pools.importRates({ at: 0, rates: { slow: 0.5, fast: 9, rare: 0.05 } });
      const report = await s.pools.ensureWarm();
      assert.deepEqual(report, { started, failed: [] });
      assert.deepEqual(await s.pools.ensureWarm(), { started: [], failed: [] }, "idempotent");
    });
  }

  await t.step("start failures are reported", async () => {
    const s = setup();
    await using _ = s.pools;
    s.pools.configure("m", { minWarm: 1 });
    const cause = new Error("no binary");
    s.factory.failures.push(cause);
    const report = await s.pools.ensureWarm();
    assert.deepEqual(report.started, []);
    assert.equal(report.failed[0]?.extensionId, "m");
    assert.equal(report.failed[0]?.error.cause, cause);
    assert.equal(s.pools.stats().processes, 0);
  });
});

Deno.test("poolManager call rates decay with the half-life", async () => {
  const s = setup({ halfLifeMs: 1_000 });
  await using _ = s.pools;
  s.pools.configure("a");
  await use(s, "a", 0);
  const one = Math.LN2; // calls per second that one call adds, with a 1 s half-life
  const rate = (): number | undefined => s.pools.stats().extensions.a?.callRate;
  assert.ok(Math.abs((rate() ?? 0) - one) < 1e-9);
  s.clock.now = 1_000;
  assert.ok(Math.abs((rate() ?? 0) - one / 2) < 1e-9);
  s.clock.now = 3_000;
  assert.ok(Math.abs((rate() ?? 0) - one / 8) < 1e-9);
  // A steady 10 calls per second converges on 10.
  for (let at = 3_000; at < 30_000; at += 100) await use(s, "a", at);
  assert.ok(Math.abs((rate() ?? 0) - 10) < 0.5, `${rate()}`);
});

Deno.test("poolManager.exportRates() and importRates() carry the rates across a restart", async (t) => {
  await t.step("rates decay from when they were exported", async () => {
    const before = setup({ halfLifeMs: 1_000 });
    before.pools.configure("a");
    await use(before, "a", 0);
    const snapshot = JSON.parse(JSON.stringify(before.pools.exportRates()));
    await before.pools.close();
    const after = setup({ halfLifeMs: 1_000 });
    await using _ = after.pools;
    after.clock.now = 1_000;
    after.pools.importRates(snapshot);
    after.pools.configure("a"); // configured after the import: the rate waited for it
    assert.deepEqual(Object.keys(after.pools.exportRates().rates), ["a"]);
    const rate = after.pools.stats().extensions.a?.callRate ?? 0;
    assert.ok(Math.abs(rate - Math.LN2 / 2) < 1e-9);
  });

  const malformed = [null, {}, { at: 0 }, { at: "0", rates: {} }, { at: 0, rates: { a: -1 } }, {
    at: 0,
    rates: { a: Infinity },
  }];
  for (const snapshot of malformed) {
    await t.step(`${JSON.stringify(snapshot)} is refused`, async () => {
      const s = setup();
      await using _ = s.pools;
      assert.throws(() => s.pools.importRates(snapshot), (error: unknown) => {
        assert.ok(error instanceof SymphonyError);
        assert.equal(error.code, "InvalidInput");
        assert.match(error.message, /^Cannot import call rates: /);
        return true;
      });
    });
  }
});

Deno.test("poolManager.configure() with fewer maxInstances stops the excess, idle ones first", async () => {
  const s = setup();
  await using _ = s.pools;
  s.pools.configure("a", { maxInstances: 3 });
  const held = await Promise.all([1, 2, 3].map(() => s.pools.checkout("a")));
  s.pools.checkin(held[0] as Checkout<string>);
  s.pools.configure("a", { maxInstances: 1 });
  await s.pools.settled();
  assert.deepEqual(s.factory.stopped, ["a#1"]);
  s.pools.checkin(held[1] as Checkout<string>);
  await s.pools.settled();
  assert.deepEqual(s.factory.stopped, ["a#1", "a#2"]);
  assert.equal(s.pools.tryCheckout("a"), undefined, "a#3 is still busy");
  s.pools.checkin(held[2] as Checkout<string>);
  assert.equal(s.pools.tryCheckout("a")?.instance, "a#3");
});
