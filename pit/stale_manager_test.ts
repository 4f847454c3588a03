import assert from "node:assert/strict";
import { SymphonyError } from "../symphony_error.ts";
import { DAY, FakeSource, HOUR, item, manager, NOW } from "./_stale_manager_fakes.ts";
import type { StaleItem, StalePolicy, StaleReport } from "./stale_manager.ts";

function summary(report: StaleReport): [string, string, string][] {
  return report.removals.map((r) => [r.key, r.reason, r.detail]);
}

Deno.test("new StaleManager() refuses an invalid policy, naming the value", async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ["a negative age", { maxAgeMs: -1 }, /maxAgeMs must be more than 0 milliseconds/],
    ["a NaN idle time", { maxIdleMs: NaN }, /maxIdleMs must be a finite number of milliseconds/],
    ["a negative budget", { maxTotalBytes: -5 }, /maxTotalBytes must not be negative/],
    ["an infinite budget", { maxTotalBytes: Infinity }, /maxTotalBytes must be a finite number/],
    ["a fractional count", { keepPerName: 1.5 }, /keepPerName must be a whole number/],
    ["a count of 0", { keepPerName: 0 }, /keepPerName must keep at least 1 version/],
    ["an empty archive dir", { archiveDir: "" }, /archiveDir must not be empty/],
    ["a zero process idle time", { processIdleMs: 0 }, /processIdleMs must be more than 0/],
    ["a misspelt policy", { maxAge: 5 }, /Unrecognized key: "maxAge"/],
  ];
  for (const [name, policy, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => manager(new FakeSource(), policy as StalePolicy), (error) => {
        assert.ok(error instanceof SymphonyError);
        assert.equal(error.code, "InvalidInput");
        assert.match(error.message, /^Cannot apply the retention policy: /);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

Deno.test("StaleManager.plan() applies each policy alone, with a specific reason", async (t) => {
  const cases: [string, StalePolicy, StaleItem[], [string, string, string][]][] = [
    ["no policy removes nothing", {}, [item("old", { createdAt: 0, lastAccessAt: 0 })], []],
    ["age", { maxAgeMs: 7 * DAY }, [
      item("old", { createdAt: NOW - 9 * DAY }),
      item("young", { createdAt: NOW - 2 * DAY }),
    ], [["old", "age", "older than 7 days (created 9 days ago)"]]],
    ["idle", { maxIdleMs: 2 * DAY }, [
      item("stale", { createdAt: NOW - 3 * DAY, lastAccessAt: NOW - 3 * DAY }),
      item("used", { createdAt: NOW - 9 * DAY, lastAccessAt: NOW - HOUR }),
    ], [["stale", "idle", "not accessed for more than 2 days (last access 3 days ago)"]]],
    ["count per name", { keepPerName: 2 }, [
      item("r1", { name: "report", createdAt: NOW - 4 * DAY }),
      item("r3", { name: "report", createdAt: NOW - 2 * DAY }),
      item("r2", { name: "report", createdAt: NOW - 3 * DAY }),
      item("x1", { name: "other", createdAt: NOW - 9 * DAY }),
    ], [[
      "r1",
      "count",
      'not among the newest 2 of 3 versions of "report" (3rd newest, created 4 days ago)',
    ]]],
    ["size budget, least recently used first", { maxTotalBytes: 250 }, [
      item("a", { lastAccessAt: NOW - 3 * DAY }),
      item("b", { lastAccessAt: NOW - 1 * DAY }),
      item("c", { lastAccessAt: NOW - 2 * DAY }),
    ], [[
      "a",
      "budget",
      "least recently used (last access 3 days ago) while 50 bytes over the 250 bytes budget",
    ]]],
  ];
  for (const [name, policy, items, expected] of cases) {
    await t.step(name, async () => {
      const report = await manager(new FakeSource(items), policy).plan();
      assert.deepEqual(summary(report), expected);
      assert.equal(report.bytesFreed, expected.length * 100);
      assert.equal(report.dryRun, true);
    });
  }
});

Deno.test("StaleManager.plan() reports an item matching several policies once, for the first", async () => {
  const old = { createdAt: NOW - 9 * DAY, lastAccessAt: NOW - 9 * DAY };
  const source = new FakeSource([
    item("old", { name: "n", ...old }),
    item("idle", { name: "i", lastAccessAt: NOW - 5 * DAY }),
    item("surplus", { name: "s", createdAt: NOW - 2 * HOUR }),
    item("newest", { name: "s" }),
  ]);
  const policy = { maxAgeMs: 7 * DAY, maxIdleMs: 2 * DAY, keepPerName: 1, maxTotalBytes: 0 };
  const report = await manager(source, policy).plan();
  assert.deepEqual(report.removals.map((r) => [r.key, r.reason]), [
    ["old", "age"],
    ["idle", "idle"],
    ["surplus", "count"],
    ["newest", "budget"],
  ]);
  assert.equal(report.bytesFreed, 400);
  assert.deepEqual(report.budget?.shortfallBytes, 0);
});

Deno.test("StaleManager.touch() times count as the last access when planning", async (t) => {
  await t.step("a recent touch spares an item the source thinks idle", async () => {
    const stale = manager(new FakeSource([item("a", { lastAccessAt: NOW - 5 * DAY })]), {
      maxIdleMs: 2 * DAY,
    });
    assert.deepEqual((await stale.plan()).removals.map((r) => r.key), ["a"]);
    stale.touch("a", NOW - HOUR);
    assert.deepEqual((await stale.plan()).removals, []);
    stale.touch("a", NOW - 9 * DAY); // an earlier access never moves the last one back
    assert.deepEqual((await stale.plan()).removals, []);
  });
  await t.step("touch() without a time records the clock's now", async () => {
    const stale = manager(new FakeSource([item("a", { lastAccessAt: NOW - 5 * DAY })]), {
      maxIdleMs: 2 * DAY,
    });
    stale.touch("a");
    assert.deepEqual((await stale.plan()).removals, []);
  });
  await t.step("the budget removes by touch time, least recent first", async () => {
    const items = ["a", "b", "c"].map((key) => item(key, { lastAccessAt: NOW - 5 * DAY }));
    const stale = manager(new FakeSource(items), { maxTotalBytes: 100 });
    stale.touch("a", NOW - HOUR);
    stale.touch("c", NOW - 2 * HOUR);
    const report = await stale.plan();
    assert.deepEqual(report.removals.map((r) => r.key), ["b", "c"]);
    assert.match(report.removals[1]?.detail ?? "", /last access 2 hours ago/);
  });
  await t.step("a touch older than the source's access does not count", async () => {
    const stale = manager(new FakeSource([item("a", { lastAccessAt: NOW - HOUR })]), {
      maxIdleMs: 2 * DAY,
    });
    stale.touch("a", NOW - 9 * DAY);
    assert.deepEqual((await stale.plan()).removals, []);
  });
});

Deno.test("StaleManager.touch() refuses a time that is not finite", async (t) => {
  const stale = manager(new FakeSource(), {});
  for (const at of [NaN, Infinity, -Infinity]) {
    await t.step(String(at), () => {
      assert.throws(() => stale.touch("a", at), RangeError);
    });
  }
});

Deno.test("StaleManager never removes pinned or referenced items, and says when the budget cannot be met", async () => {
  const old = { createdAt: NOW - 9 * DAY, lastAccessAt: NOW - 9 * DAY, name: "n" };
  const source = new FakeSource([
    item("pinned", { ...old, sizeBytes: 600, pinned: true }),
    item("both", { ...old, sizeBytes: 0, pinned: true }),
    item("referenced", { ...old, sizeBytes: 300 }),
    item("free", { ...old, sizeBytes: 100 }),
  ]);
  const policy = { maxAgeMs: DAY, maxIdleMs: DAY, keepPerName: 1, maxTotalBytes: 500 };
  const referenced = new Set(["referenced", "both"]);
  const stale = manager(source, policy, { isReferenced: (key) => referenced.has(key) });
  const report = await stale.run();
  assert.deepEqual(report.removals.map((r) => [r.key, r.outcome?.status]), [["free", "done"]]);
  assert.deepEqual(report.kept, { pinned: 2, referenced: 1 });
  assert.deepEqual([...source.held.keys()], ["pinned", "both", "referenced"]);
  assert.deepEqual(report.budget, {
    limitBytes: 500,
    bytesBefore: 1000,
    bytesAfter: 900,
    shortfallBytes: 400,
    detail: "Cannot meet the 500 bytes budget: 900 bytes remain, 400 bytes over, " +
      "all of it pinned or referenced by a live workflow",
  });
});

Deno.test("StaleManager.plan() refuses a malformed item from the source", async (t) => {
  const cases: [string, StaleItem[], RegExp][] = [
    ["a NaN size", [item("a", { sizeBytes: NaN })], /"a" is malformed: its sizeBytes NaN/],
    ["a negative size", [item("a", { sizeBytes: -1 })], /its sizeBytes -1 is not/],
    ["an infinite creation time", [item("a", { createdAt: Infinity })], /its createdAt Infinity/],
    ["a NaN access time", [item("a", { lastAccessAt: NaN })], /its lastAccessAt NaN/],
    ["an empty key", [item("")], /its key is not a non-empty string/],
    ["a key listed twice", [item("a"), item("a")], /the key "a" is listed twice/],
  ];
  for (const [name, items, message] of cases) {
    await t.step(name, async () => {
      const source = new FakeSource();
      source.listing = () => Promise.resolve(items);
      await assert.rejects(manager(source, {}).plan(), (error) => {
        assert.ok(error instanceof SymphonyError);
        assert.equal(error.code, "InvalidInput");
        assert.match(error.message, /^Cannot plan the clean-up: /);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

Deno.test("StaleManager.plan() keeps the highest versions made in the same millisecond", async () => {
  const at = { createdAt: NOW - DAY };
  const source = new FakeSource([
    item("n@1", { name: "n", ...at }),
    item("n@10", { name: "n", ...at }),
    item("n@2", { name: "n", ...at }),
  ]);
  const report = await manager(source, { keepPerName: 1 }).plan();
  assert.deepEqual(report.removals.map((r) => r.key).sort(), ["n@1", "n@2"]);
});
