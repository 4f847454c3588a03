import assert from "node:assert/strict";
import {
  DAY,
  FakeReaper,
  FakeSource,
  HOUR,
  item,
  manager,
  MINUTE,
  NOW,
} from "./_stale_manager_fakes.ts";
import type { StaleItem, StaleReport } from "./stale_manager.ts";

Deno.test("StaleManager.run({ dryRun: true }) and plan() change nothing", async () => {
  const source = new FakeSource([item("a", { createdAt: 0 }), item("b", { createdAt: 0 })]);
  const reaper = new FakeReaper([{ key: "p", idleSinceMs: 0 }]);
  const stale = manager(source, { maxAgeMs: DAY, archiveDir: "/arch", processIdleMs: MINUTE }, {
    reaper,
  });
  const dry = await stale.run({ dryRun: true });
  const plan = await stale.plan();
  for (const report of [dry, plan]) {
    assert.equal(report.dryRun, true);
    assert.deepEqual(report.removals.map((r) => [r.key, r.outcome]), [
      ["a", undefined],
      ["b", undefined],
    ]);
    assert.deepEqual(report.processes.map((p) => p.key), ["p"]);
    assert.equal(report.bytesFreed, 200);
  }
  assert.deepEqual(source.calls, ["list", "list"]);
  assert.equal(source.held.size, 2);
  assert.deepEqual(reaper.reaped, []);
});

Deno.test("StaleManager.run() archives before removing, and keeps an item whose archive failed", async () => {
  const source = new FakeSource([item("a", { createdAt: 0 }), item("b", { createdAt: 0 })]);
  source.failArchive.add("b");
  const report = await manager(source, { maxAgeMs: DAY, archiveDir: "/arch" }).run();
  assert.deepEqual(source.calls, ["list", "archive a /arch", "remove a", "archive b /arch"]);
  assert.deepEqual(report.removals.map((r) => r.outcome), [
    { status: "done" },
    { status: "failed", error: 'Cannot archive "b" into /arch, so it was kept: disk full' },
  ]);
  assert.deepEqual([...source.held.keys()], ["b"]);
  assert.equal(report.dryRun, false);
  assert.equal(report.bytesFreed, 100);
});

Deno.test("StaleManager.run() goes on after one removal fails", async () => {
  const source = new FakeSource(["a", "b", "c"].map((key) => item(key, { createdAt: 0 })));
  source.failRemove.add("b");
  const report = await manager(source, { maxAgeMs: DAY }).run();
  assert.deepEqual(source.calls, ["list", "remove a", "remove b", "remove c"]);
  assert.deepEqual(report.removals.map((r) => r.outcome), [
    { status: "done" },
    { status: "failed", error: 'Cannot remove "b": file is locked' },
    { status: "done" },
  ]);
  assert.deepEqual([...source.held.keys()], ["b"]);
  assert.equal(report.bytesFreed, 200);
});

Deno.test("StaleManager.run() reaps the processes idle longer than processIdleMs", async (t) => {
  const instances = [
    { key: "p1", idleSinceMs: NOW - 20 * MINUTE },
    { key: "p2", idleSinceMs: NOW - 5 * MINUTE },
    { key: "p3", idleSinceMs: NOW - HOUR },
  ];
  await t.step("each independently, failures reported", async () => {
    const reaper = new FakeReaper(instances);
    reaper.failing.add("p1");
    const report = await manager(new FakeSource(), { processIdleMs: 15 * MINUTE }, { reaper })
      .run();
    assert.deepEqual(report.processes, [
      {
        key: "p1",
        idleMs: 20 * MINUTE,
        detail: "idle for 20 minutes (limit 15 minutes)",
        outcome: { status: "failed", error: 'Cannot reap the process "p1": still busy' },
      },
      {
        key: "p3",
        idleMs: HOUR,
        detail: "idle for 1 hour (limit 15 minutes)",
        outcome: { status: "done" },
      },
    ]);
    assert.deepEqual(reaper.reaped, ["p1", "p3"]);
  });
  await t.step("none without processIdleMs", async () => {
    const reaper = new FakeReaper(instances);
    const report = await manager(new FakeSource(), {}, { reaper }).run();
    assert.deepEqual(report.processes, []);
    assert.deepEqual(reaper.reaped, []);
  });
});

Deno.test("StaleManager.run() stops at an aborted signal and reports the rest skipped", async (t) => {
  await t.step("aborted during the run", async () => {
    const source = new FakeSource(["a", "b"].map((key) => item(key, { createdAt: 0 })));
    const controller = new AbortController();
    source.onRemove = () => controller.abort(new Error("host shutting down"));
    const reaper = new FakeReaper([{ key: "p", idleSinceMs: 0 }]);
    const report = await manager(source, { maxAgeMs: DAY, processIdleMs: MINUTE }, { reaper })
      .run({ signal: controller.signal });
    const skipped = { status: "skipped", error: "the run was aborted: host shutting down" };
    assert.deepEqual(report.removals.map((r) => r.outcome), [{ status: "done" }, skipped]);
    assert.deepEqual(report.processes.map((p) => p.outcome), [skipped]);
    assert.deepEqual([...source.held.keys()], ["b"]);
    assert.deepEqual(reaper.reaped, []);
  });
  await t.step("aborted before it starts", async () => {
    const source = new FakeSource([item("a", { createdAt: 0 })]);
    const reason = new Error("no");
    await assert.rejects(
      manager(source, { maxAgeMs: DAY }).run({ signal: AbortSignal.abort(reason) }),
      (error) => error === reason,
    );
    assert.deepEqual(source.calls, []);
  });
});

Deno.test("StaleManager.run() forgets the accesses of items that are gone", async (t) => {
  const policy = { maxAgeMs: 7 * DAY, maxIdleMs: 2 * DAY };
  const reused = item("a", { createdAt: NOW - 6 * DAY, lastAccessAt: NOW - 3 * DAY });
  await t.step("a removed item's key, listed again, starts afresh", async () => {
    const source = new FakeSource([item("a", { createdAt: NOW - 9 * DAY })]);
    const stale = manager(source, policy);
    stale.touch("a", NOW);
    assert.deepEqual((await stale.run()).removals.map((r) => r.reason), ["age"]);
    source.held.set("a", reused);
    assert.deepEqual((await stale.plan()).removals.map((r) => r.reason), ["idle"]);
  });
  await t.step("a touched key the source did not list is dropped", async () => {
    const source = new FakeSource();
    const stale = manager(source, policy);
    stale.touch("a", NOW - MINUTE);
    await stale.run();
    source.held.set("a", reused);
    assert.deepEqual((await stale.plan()).removals.map((r) => r.reason), ["idle"]);
  });
});

Deno.test("StaleManager.run() waits for the run before it", async () => {
  const source = new FakeSource([item("a", { createdAt: 0 })]);
  const listed = Promise.withResolvers<Iterable<StaleItem>>();
  source.listing = () => {
    source.listing = undefined;
    return listed.promise;
  };
  const stale = manager(source, { maxAgeMs: DAY });
  const first = stale.run();
  const second = stale.run();
  listed.resolve([...source.held.values()]);
  const reports = await Promise.all([first, second]);
  assert.deepEqual(source.calls, ["list", "remove a", "list"]);
  assert.deepEqual(reports.map((r) => r.removals.length), [1, 0]);
});

/** A timer driven by hand: `tick()` is one interval elapsing. */
class ManualTimer {
  intervalMs: number | undefined;
  cancelled = 0;
  #tick: (() => void) | undefined;
  readonly schedule = (intervalMs: number, tick: () => void): () => void => {
    this.intervalMs = intervalMs;
    this.#tick = tick;
    return () => {
      this.cancelled++;
      this.#tick = undefined;
    };
  };
  tick(): void {
    this.#tick?.();
  }
}

Deno.test("StaleManager.start() runs on each tick and reports to onReport or onError", async (t) => {
  await t.step("each tick runs once, reported; a tick during a run is skipped", async () => {
    const source = new FakeSource([item("a", { createdAt: 0 })]);
    const listed = Promise.withResolvers<Iterable<StaleItem>>();
    source.listing = () => listed.promise;
    const reported = Promise.withResolvers<StaleReport>();
    const timer = new ManualTimer();
    using stale = manager(source, { maxAgeMs: DAY }, {
      schedule: timer.schedule,
      onReport: reported.resolve,
    });
    stale.start(5 * MINUTE);
    assert.equal(timer.intervalMs, 5 * MINUTE);
    timer.tick();
    timer.tick(); // the first run is still listing
    listed.resolve([...source.held.values()]);
    const report = await reported.promise;
    assert.deepEqual(report.removals.map((r) => [r.key, r.outcome?.status]), [["a", "done"]]);
    await stale.run({ dryRun: true }); // after any run still queued
    assert.deepEqual(source.calls, ["list", "remove a", "list"]);
  });
  await t.step("a failed run goes to onError", async () => {
    const source = new FakeSource();
    source.listing = () => Promise.reject(new Error("database is locked"));
    const failed = Promise.withResolvers<unknown>();
    const timer = new ManualTimer();
    using stale = manager(source, {}, { schedule: timer.schedule, onError: failed.resolve });
    stale.start(MINUTE);
    timer.tick();
    const error = await failed.promise;
    assert.ok(error instanceof Error);
    assert.equal(error.message, "database is locked");
  });
  await t.step("an onReport that throws goes to onError", async () => {
    const failed = Promise.withResolvers<unknown>();
    const timer = new ManualTimer();
    using stale = manager(new FakeSource(), {}, {
      schedule: timer.schedule,
      onReport: () => {
        throw new Error("report sink closed");
      },
      onError: failed.resolve,
    });
    stale.start(MINUTE);
    timer.tick();
    assert.equal((await failed.promise as Error).message, "report sink closed");
  });
});

Deno.test("StaleManager.stop() cancels the timer and aborts a scheduled run in progress", async () => {
  const source = new FakeSource(["a", "b"].map((key) => item(key, { createdAt: 0 })));
  const listing = Promise.withResolvers<void>();
  const listed = Promise.withResolvers<Iterable<StaleItem>>();
  source.listing = () => {
    listing.resolve();
    return listed.promise;
  };
  const reported = Promise.withResolvers<StaleReport>();
  const timer = new ManualTimer();
  const stale = manager(source, { maxAgeMs: DAY }, {
    schedule: timer.schedule,
    onReport: reported.resolve,
  });
  stale.start(MINUTE);
  timer.tick();
  await listing.promise;
  stale.stop();
  assert.equal(timer.cancelled, 1);
  listed.resolve([...source.held.values()]);
  const report = await reported.promise;
  assert.deepEqual(report.removals.map((r) => r.outcome?.status), ["skipped", "skipped"]);
  assert.equal(source.held.size, 2);
  stale.start(MINUTE);
  stale[Symbol.dispose]();
  assert.equal(timer.cancelled, 2);
});

Deno.test("StaleManager.start() refuses an interval that is not a positive number", async (t) => {
  using stale = manager(new FakeSource(), {});
  for (const intervalMs of [0, -1, NaN, Infinity]) {
    await t.step(String(intervalMs), () => {
      assert.throws(() => stale.start(intervalMs), RangeError);
    });
  }
});

Deno.test("StaleManager.start() with the default timer runs until disposed", async () => {
  // The default timer is unref'd: nothing else pending, the test would end. Keep it alive.
  const keepAlive = setTimeout(() => {}, 60_000);
  try {
    const source = new FakeSource([item("a", { createdAt: 0 })]);
    const reported = Promise.withResolvers<StaleReport>();
    using stale = manager(source, { maxAgeMs: DAY }, { onReport: reported.resolve });
    stale.start(1);
    assert.deepEqual((await reported.promise).removals.map((r) => r.key), ["a"]);
  } finally {
    clearTimeout(keepAlive);
  }
});
