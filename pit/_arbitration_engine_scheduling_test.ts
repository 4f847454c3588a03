/**
 * The Arbitration Engine's order of service: priority, ageing, weighted fair
 * share, explanations and withdrawal. (Capacity, modes, TTL and bad input are
 * in `arbitration_engine_test.ts`.)
 */
import assert from "node:assert/strict";
import type {
  ArbitrationEngine,
  ArbitrationExplanation,
  ArbitrationRequest,
  Lease,
} from "./arbitration_engine.ts";
import { gpu, setup } from "./_arbitration_engine_fixture.ts";

/** Runs two workers per holder, each asking for the gpu again as soon as it is released, until `grants` grants; counts them by holder. */
async function contend(
  engine: ArbitrationEngine,
  holders: readonly { holder: string; weight?: number; priority?: number }[],
  grants: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(holders.map((h) => [h.holder, 0]));
  let granted = 0;
  const worker = async (request: ArbitrationRequest): Promise<void> => {
    while (granted < grants) {
      const lease = await engine.acquire(request);
      if (granted < grants) {
        granted++;
        counts.set(lease.holder, (counts.get(lease.holder) ?? 0) + 1);
      }
      engine.release(lease);
    }
  };
  const workers = holders.flatMap((h) => [worker(gpu(h.holder, h)), worker(gpu(h.holder, h))]);
  await Promise.all(workers);
  return counts;
}

Deno.test("arbitrationEngine.acquire() serves waiting requests by priority, then by arrival", async () => {
  const { engine } = setup();
  let lease = engine.tryAcquire(gpu("ext.holder")) as Lease;
  const remaining = new Map([
    ["low.1", engine.acquire(gpu("low.1", { priority: 0 }))],
    ["high", engine.acquire(gpu("high", { priority: 5 }))],
    ["low.2", engine.acquire(gpu("low.2"))],
    ["mid", engine.acquire(gpu("mid", { priority: 2 }))],
  ]);
  assert.deepEqual(engine.pending().map((p) => p.holder), ["high", "mid", "low.1", "low.2"]);
  const order: string[] = [];
  while (remaining.size > 0) {
    engine.release(lease);
    lease = await Promise.race(remaining.values());
    remaining.delete(lease.holder);
    order.push(lease.holder);
  }
  assert.deepEqual(order, ["high", "mid", "low.1", "low.2"]);
});

Deno.test("arbitrationEngine.tryAcquire() does not jump a queue, even when the resource has room", async () => {
  const { engine } = setup();
  const held = engine.tryAcquire({
    holder: "a",
    resources: [{ name: "net:api.example.com", units: 4 }],
  });
  const big = engine.acquire({
    holder: "b",
    resources: [{ name: "net:api.example.com", units: 3 }],
  });
  const small = { holder: "c", resources: [{ name: "net:api.example.com" }], priority: 9 };
  assert.equal(engine.tryAcquire(small), undefined, "one unit is free but b waits for it");
  engine.release(held as Lease);
  assert.equal((await big).holder, "b");
  assert.ok(engine.tryAcquire(small));
});

Deno.test("arbitrationEngine serves a low-priority request within the bound set by ageing", async (t) => {
  const table = [
    { ageingMs: 100, gap: 10, holdMs: 10 },
    { ageingMs: 50, gap: 4, holdMs: 7 },
    { ageingMs: 250, gap: 2, holdMs: 30 },
  ];
  for (const { ageingMs, gap, holdMs } of table) {
    await t.step(`ageing ${ageingMs} ms, priority gap ${gap}, leases of ${holdMs} ms`, async () => {
      const { engine, clock } = setup({ ageingMs });
      let lowServedAt = -1;
      let highGrants = 0;
      const high = async (): Promise<void> => {
        // Bounded, so that a starved request fails the test instead of hanging it.
        while (lowServedAt < 0 && highGrants < 100 * gap * ageingMs / holdMs) {
          const lease = await engine.acquire(gpu("high", { priority: gap }));
          highGrants++;
          clock.time += holdMs;
          engine.release(lease);
        }
      };
      const highs = [high(), high()];
      await Promise.resolve();
      const askedAt = clock.time;
      const low = await engine.acquire(gpu("low", { priority: 0 }));
      lowServedAt = clock.time - askedAt;
      engine.release(low);
      engine.releaseHolder("high");
      await Promise.allSettled(highs);
      // The high requests each wait one lease, less than an ageing period. The low request
      // ties them after `gap` ageing periods and wins the tie on fair share: it is granted
      // at the first release from then on, and not before.
      const bound = gap * ageingMs + holdMs;
      assert.ok(lowServedAt <= bound, `served after ${lowServedAt} ms, bound ${bound} ms`);
      assert.ok(
        lowServedAt >= gap * ageingMs,
        `served after ${lowServedAt} ms: priority ignored`,
      );
    });
  }
});

Deno.test("arbitrationEngine grants about 3:1 between holders weighted 3:1 under contention", async (t) => {
  for (const grants of [400, 4000]) {
    await t.step(`${grants} grants`, async () => {
      const { engine } = setup();
      const counts = await contend(engine, [
        { holder: "heavy", weight: 3 },
        { holder: "light", weight: 1 },
      ], grants);
      const ratio = (counts.get("heavy") ?? 0) / (counts.get("light") ?? 1);
      assert.ok(ratio >= 2.7 && ratio <= 3.3, `ratio ${ratio}`);
    });
  }
  await t.step("equal weights share equally", async () => {
    const { engine } = setup();
    const counts = await contend(engine, [{ holder: "a" }, { holder: "b" }], 1000);
    assert.ok(Math.abs((counts.get("a") ?? 0) - 500) <= 5, JSON.stringify([...counts]));
  });
  await t.step("priority comes before fair share", async () => {
    const { engine } = setup({ ageingMs: Infinity });
    const counts = await contend(engine, [
      { holder: "heavy", weight: 100 },
      { holder: "urgent", priority: 1 },
    ], 500);
    assert.ok((counts.get("heavy") ?? 0) <= 1, JSON.stringify([...counts]));
  });
});

Deno.test("arbitrationEngine.explain() names who is ahead of a waiting request and why", () => {
  const { engine, clock } = setup({ ageingMs: 1000 });
  engine.tryAcquire(gpu("ext.holder", { priority: 3 }));
  engine.acquire(gpu("ext.first")).catch(() => {});
  engine.acquire(gpu("ext.urgent", { priority: 5 })).catch(() => {});
  engine.acquire(gpu("ext.me")).catch(() => {});
  engine.acquire({ holder: "ext.elsewhere", resources: [{ name: "x" }, { name: "y" }] });
  clock.time = 2500;
  const me = engine.pending("ext.me")[0];
  assert.equal(me?.effectivePriority, 2);
  const why = engine.explain(me?.requestId ?? 0);
  assert.equal(why?.decision, "wait");
  assert.match(why?.reason ?? "", /waiting 2500 ms at effective priority 2 .*gpu has 0 of 1 free/);
  assert.deepEqual(why?.ahead.map((a) => [a.holder, a.state, a.effectivePriority]), [
    ["ext.holder", "holding", 3],
    ["ext.urgent", "waiting", 7],
    ["ext.first", "waiting", 2],
  ]);
  assert.match(why?.ahead[0]?.why ?? "", /holds gpu until released/);
  assert.match(
    why?.ahead[1]?.why ?? "",
    /higher effective priority 7 \(priority 5 \+ 2 for ageing\) > 2/,
  );
  assert.match(why?.ahead[2]?.why ?? "", /asked earlier/);
  assert.equal(engine.explain(123456), undefined);
  engine.releaseHolder("ext.first");
  engine.releaseHolder("ext.urgent");
  engine.releaseHolder("ext.me");
});

Deno.test("arbitrationEngine passes sampled decisions to onDecision", async (t) => {
  await t.step("every decision at sampleRate 1, with its reason", async () => {
    const seen: ArbitrationExplanation[] = [];
    const { engine } = setup({ onDecision: (e) => seen.push(e) });
    const lease = engine.tryAcquire(gpu("ext.a")) as Lease;
    const next = engine.acquire(gpu("ext.b"));
    engine.release(lease);
    await next;
    assert.deepEqual(seen.map((e) => [e.decision, e.holder]), [
      ["grant", "ext.a"],
      ["wait", "ext.b"],
      ["grant", "ext.b"],
    ]);
    assert.match(seen[0]?.reason ?? "", /granted at once: gpu had room/);
    assert.equal(seen[1]?.ahead[0]?.holder, "ext.a");
    assert.match(seen[2]?.reason ?? "", /granted after 0 ms .* first in line for gpu/);
  });
  await t.step("only the decisions the random source samples", () => {
    const draws = [0.05, 0.5, 0.09, 0.9];
    const seen: string[] = [];
    const { engine } = setup({
      onDecision: (e) => seen.push(e.holder),
      sampleRate: 0.1,
      random: () => draws.shift() ?? 1,
    });
    for (const holder of ["a", "b", "c", "d"]) {
      engine.release(engine.tryAcquire(gpu(holder)) as Lease);
    }
    assert.deepEqual(seen, ["a", "c"]);
  });
  await t.step("expiry and withdrawal are decisions too", async () => {
    const seen: string[] = [];
    const { engine, clock } = setup({ onDecision: (e) => seen.push(`${e.decision} ${e.holder}`) });
    engine.tryAcquire(gpu("a", { ttlMs: 10 }));
    const b = engine.acquire(gpu("b"));
    const c = engine.acquire(gpu("c"));
    engine.releaseHolder("c");
    await assert.rejects(c);
    clock.time = 10;
    engine.sweep();
    await b;
    assert.deepEqual(seen, ["grant a", "wait b", "wait c", "cancel c", "expire a", "grant b"]);
  });
  await t.step("a throwing listener is reported and does not change the decision", () => {
    const reported: unknown[] = [];
    const onError = (event: ErrorEvent): void => {
      reported.push(event.error);
      event.preventDefault();
    };
    globalThis.addEventListener("error", onError);
    try {
      const { engine } = setup({
        onDecision: () => {
          throw new Error("audit sink down");
        },
      });
      assert.ok(engine.tryAcquire(gpu("a")));
      assert.equal(engine.usage("gpu").used, 1);
      assert.match(String(reported[0]), /audit sink down/);
    } finally {
      globalThis.removeEventListener("error", onError);
    }
  });
});

Deno.test("arbitrationEngine.acquire() withdraws a waiting request when its signal aborts", async (t) => {
  await t.step("the promise rejects with the signal's reason", async () => {
    const { engine } = setup();
    engine.tryAcquire(gpu("a"));
    const controller = new AbortController();
    const waiting = engine.acquire(gpu("b"), { signal: controller.signal });
    controller.abort(new Error("caller gave up"));
    await assert.rejects(waiting, /caller gave up/);
    assert.equal(engine.pending().length, 0);
    assert.equal(engine.usage("gpu").waiting, 0);
  });
  await t.step("an aborted request no longer reserves what it waited for", async () => {
    const { engine } = setup();
    engine.tryAcquire({ holder: "a", resources: [{ name: "net:api.example.com", units: 4 }] });
    const controller = new AbortController();
    const big = engine.acquire(
      { holder: "b", resources: [{ name: "net:api.example.com", units: 2 }] },
      { signal: controller.signal },
    );
    const small = engine.acquire({ holder: "c", resources: [{ name: "net:api.example.com" }] });
    assert.equal(engine.pending().length, 2, "c waits behind b although a unit is free");
    controller.abort();
    await assert.rejects(big, (e) => e instanceof DOMException && e.name === "AbortError");
    assert.equal((await small).holder, "c");
  });
  await t.step("an already aborted signal rejects at once", async () => {
    const { engine } = setup();
    const signal = AbortSignal.abort(new Error("too late"));
    await assert.rejects(engine.acquire(gpu("a"), { signal }), /too late/);
    assert.equal(engine.usage("gpu").used, 0);
  });
});
