import assert from "node:assert/strict";
import { SymphonyError } from "../symphony_error.ts";
import { FakeFactory, setup, use } from "./_pool_manager_fake.ts";
import { type Checkout, PoolManager } from "./pool_manager.ts";

Deno.test("poolManager.checkout() reuses a warm instance", async () => {
  const s = setup();
  await using _ = s.pools;
  s.pools.configure("a");
  const first = await s.pools.checkout("a");
  s.pools.checkin(first);
  const second = s.pools.tryCheckout("a");
  assert.equal(second?.instance, "a#1");
  if (second !== undefined) s.pools.checkin(second);
  assert.equal((await s.pools.checkout("a")).instance, "a#1");
  assert.deepEqual(s.factory.started, ["a#1"]);
});

Deno.test("poolManager.checkout() puts at most maxConcurrency calls on an instance", async () => {
  const s = setup();
  await using _ = s.pools;
  s.pools.configure("a", { maxConcurrency: 2 });
  const one = await s.pools.checkout("a");
  const two = await s.pools.checkout("a");
  assert.equal(two.instance, one.instance);
  assert.equal(s.pools.tryCheckout("a"), undefined);
  let third: Checkout<string> | undefined;
  const waiting = s.pools.checkout("a").then((c) => (third = c));
  await Promise.resolve();
  assert.equal(third, undefined);
  assert.equal(s.pools.stats().extensions.a?.waiting, 1);
  s.pools.checkin(one);
  assert.equal((await waiting).instance, "a#1");
  assert.deepEqual(s.factory.started, ["a#1"]);
});

Deno.test("poolManager.checkout() starts another instance while all are busy, up to maxInstances", async () => {
  const s = setup();
  await using _ = s.pools;
  s.pools.configure("a", { maxInstances: 2 });
  const one = await s.pools.checkout("a");
  const two = await s.pools.checkout("a");
  assert.deepEqual([one.instance, two.instance], ["a#1", "a#2"]);
  const waiting = s.pools.checkout("a");
  s.pools.checkin(two);
  assert.equal((await waiting).instance, "a#2");
  assert.deepEqual(s.factory.started, ["a#1", "a#2"]);
  assert.equal(s.pools.stats().extensions.a?.busy, 2);
});

Deno.test("poolManager.checkin() serves the waiting checkouts in FIFO order", async () => {
  const s = setup();
  await using _ = s.pools;
  s.pools.configure("a");
  let held = await s.pools.checkout("a");
  const served: number[] = [];
  const waiters = [1, 2, 3].map((n) =>
    s.pools.checkout("a").then((checkout) => {
      served.push(n);
      return checkout;
    })
  );
  assert.equal(s.pools.tryCheckout("a"), undefined, "a free slot goes to the waiters first");
  for (const waiter of waiters) {
    s.pools.checkin(held);
    held = await waiter;
  }
  s.pools.checkin(held);
  assert.deepEqual(served, [1, 2, 3]);
  assert.equal(s.pools.stats().extensions.a?.waiting, 0);
});

Deno.test("poolManager.checkout() gives up waiting when its signal aborts", async (t) => {
  const s = setup();
  await using _ = s.pools;
  s.pools.configure("a");
  const held = await s.pools.checkout("a");

  await t.step("an abort while waiting rejects with Timeout and leaves the queue", async () => {
    const controller = new AbortController();
    const aborted = s.pools.checkout("a", { signal: controller.signal });
    const next = s.pools.checkout("a");
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await assert.rejects(aborted, (error: unknown) => {
      assert.ok(error instanceof SymphonyError);
      assert.equal(error.code, "Timeout");
      assert.equal(error.cause, reason);
      return true;
    });
    assert.equal(s.pools.stats().extensions.a?.waiting, 1);
    s.pools.checkin(held);
    s.pools.checkin(await next);
  });

  await t.step("an already aborted signal rejects at once", async () => {
    await assert.rejects(s.pools.checkout("a", { signal: AbortSignal.abort() }), {
      code: "Timeout",
    });
  });
});

Deno.test("poolManager.markUnhealthy() takes an instance out of rotation and stops it once idle", async () => {
  const s = setup();
  await using _ = s.pools;
  s.pools.configure("a", { maxConcurrency: 2 });
  const sick = await s.pools.checkout("a");
  assert.equal(s.pools.markUnhealthy("a", sick.instance), true);
  assert.equal(s.pools.markUnhealthy("a", "a#404"), false);
  assert.equal(s.pools.tryCheckout("a"), undefined, "its free slot is not used");
  const replacement = await s.pools.checkout("a");
  assert.equal(replacement.instance, "a#2");
  assert.deepEqual(s.pools.stats().extensions.a?.health, {
    starting: 0,
    healthy: 1,
    unhealthy: 1,
    stopping: 0,
  });
  assert.deepEqual(s.factory.stopped, [], "not stopped while busy");
  s.pools.checkin(sick);
  await s.pools.settled();
  assert.deepEqual(s.factory.stopped, ["a#1"]);
  assert.deepEqual(s.pools.instances("a").map((i) => i.instance), ["a#2"]);
  s.pools.checkin(replacement);
});

Deno.test("poolManager.remove() forgets a crashed instance and frees its budget", async () => {
  const s = setup({ budget: { maxProcesses: 1 } });
  await using _ = s.pools;
  s.pools.configure("a", { minWarm: 1 });
  s.pools.configure("b");
  const crashed = await s.pools.checkout("a");
  assert.equal(s.pools.remove("a", crashed.instance), true);
  assert.equal(s.pools.remove("a", crashed.instance), false);
  await s.pools.settled();
  assert.deepEqual(s.factory.started, ["a#1", "a#2"], "minWarm is restored");
  assert.equal(await use(s, "b", 1), "b#3", "the warm a#2 is evicted for a call");
  s.pools.checkin(crashed); // released without effect
  assert.deepEqual(s.factory.stopped, ["a#2"], "the crashed instance is not stopped");
});

Deno.test("poolManager.close() stops every instance and rejects the waiting checkouts", async () => {
  const s = setup({ budget: { maxProcesses: 3 } });
  s.pools.configure("a");
  s.pools.configure("b", { minWarm: 1 });
  s.pools.configure("c");
  await s.pools.ensureWarm();
  const busy = await s.pools.checkout("a");
  const waiting = s.pools.checkout("a");
  s.factory.gate = Promise.withResolvers();
  const starting = s.pools.checkout("c");
  await Promise.resolve();
  assert.ok(s.factory.started.includes("c#3"), "c#3 is starting");
  const closed = s.pools.close();
  await assert.rejects(waiting, { code: "Disabled" });
  await assert.rejects(starting, { code: "Disabled" });
  s.factory.gate.resolve();
  await closed;
  assert.deepEqual(s.factory.stopped.toSorted(), ["a#2", "b#1", "c#3"]);
  assert.deepEqual(s.factory.started.toSorted(), ["a#2", "b#1", "c#3"]);
  assert.throws(() => s.pools.tryCheckout("a"), { code: "Disabled" });
  await assert.rejects(s.pools.checkout("a"), { code: "Disabled" });
  assert.throws(() => s.pools.configure("d"), { code: "Disabled" });
  s.pools.checkin(busy); // a late checkin is harmless
  await s.pools.close();
  assert.equal(s.factory.stopped.length, 3, "close() is idempotent");
});

Deno.test("poolManager: a failed start rejects the checkout with its cause and leaks no slot", async (t) => {
  await t.step("a plain error becomes Crashed, with the cause", async () => {
    const s = setup({ budget: { maxProcesses: 1 } });
    await using _ = s.pools;
    s.pools.configure("a");
    const cause = new Error("exec format error");
    s.factory.failures.push(cause);
    await assert.rejects(s.pools.checkout("a"), (error: unknown) => {
      assert.ok(error instanceof SymphonyError);
      assert.equal(error.code, "Crashed");
      assert.equal(error.cause, cause);
      assert.match(error.message, /^Cannot start an instance of a: exec format error$/);
      return true;
    });
    assert.equal(s.pools.stats().processes, 0);
    assert.equal(await use(s, "a", 1), "a#1", "the budget of 1 is still free");
  });

  await t.step("the factory's SymphonyError is kept as it is", async () => {
    const s = setup();
    await using _ = s.pools;
    s.pools.configure("a");
    const denied = new SymphonyError("PermissionDenied", "Cannot start a: not granted");
    s.factory.failures.push(denied);
    await assert.rejects(s.pools.checkout("a"), (error) => error === denied);
  });

  await t.step("a failed stop is reported to onError", async () => {
    const s = setup();
    await using _ = s.pools;
    s.pools.configure("a");
    await use(s, "a", 1);
    s.factory.stopFailure = new Error("EPERM");
    s.pools.markUnhealthy("a", "a#1");
    await s.pools.settled();
    assert.equal(s.errors[0]?.code, "Crashed");
    assert.match(s.errors[0]?.message ?? "", /^Cannot stop an instance of a: EPERM$/);
    assert.equal(s.pools.stats().processes, 0);
  });
});

Deno.test("poolManager refuses bad input with clear errors", async (t) => {
  const s = setup();
  await using _ = s.pools;
  s.pools.configure("a");
  s.pools.configure("off", { maxInstances: 0 });

  await t.step("an unknown extension is NotFound", async () => {
    assert.throws(() => s.pools.tryCheckout("nope"), { code: "NotFound" });
    await assert.rejects(s.pools.checkout("nope"), { code: "NotFound" });
    assert.throws(() => s.pools.instances("nope"), { code: "NotFound" });
  });

  await t.step("a pool of maxInstances 0 is ResourceExhausted", async () => {
    await assert.rejects(s.pools.checkout("off"), { code: "ResourceExhausted" });
  });

  await t.step("a double or foreign checkin is a TypeError", async () => {
    const checkout = await s.pools.checkout("a");
    s.pools.checkin(checkout);
    assert.throws(() => s.pools.checkin(checkout), TypeError);
    assert.throws(() => s.pools.checkin({ extensionId: "a", instance: "a#1" }), TypeError);
    const other = setup();
    other.pools.configure("a");
    const foreign = await other.pools.checkout("a");
    assert.throws(() => s.pools.checkin(foreign), TypeError);
    await other.pools.close();
  });

  const badConfigs: [string, unknown, typeof TypeError | typeof RangeError][] = [
    ["", {}, TypeError],
    ["a", { maxConcurrency: 0 }, RangeError],
    ["a", { maxInstances: -1 }, RangeError],
    ["a", { minWarm: 1.5 }, RangeError],
    ["a", { minWarm: 2, maxInstances: 1 }, RangeError],
  ];
  for (const [id, config, type] of badConfigs) {
    await t.step(`configure(${JSON.stringify(id)}, ${JSON.stringify(config)}) throws`, () => {
      assert.throws(() => s.pools.configure(id, config as Record<string, number>), type);
    });
  }

  const badOptions = [
    { budget: { maxProcesses: 0 } },
    { budget: { maxProcesses: 1.5 } },
    { budget: { maxProcesses: 1, maxResidentBytes: 0 } },
    { budget: { maxProcesses: 1 }, halfLifeMs: 0 },
    { budget: { maxProcesses: 1 }, prewarmRate: -1 },
  ];
  for (const options of badOptions) {
    await t.step(`new PoolManager(${JSON.stringify(options)}) throws a RangeError`, () => {
      assert.throws(() => new PoolManager({ factory: new FakeFactory(), ...options }), RangeError);
    });
  }
});
