import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { SymphonyError } from "../symphony_error.ts";
import { tempDir } from "../tests/temp_dir.ts";
import {
  auditHash,
  AuditTrail,
  type AuditTrailOptions,
  canonicalJson,
  GENESIS_HASH,
} from "./audit_trail.ts";
import { openHostDatabase } from "./host_database.ts";

async function trailWith(
  n: number,
  file: string,
  options: AuditTrailOptions = {},
): Promise<AuditTrail> {
  const db = openHostDatabase(file);
  const trail = new AuditTrail(() => db, options);
  await trail.append(
    Array.from({ length: n }, (_, i) => ({
      kind: i % 2 === 0 ? "install" as const : "crash" as const,
      extension: `acme.e${i % 3}`,
      actor: "conductor",
      detail: { i, nested: { b: 1, a: [i] } },
    })),
  );
  return trail;
}

// Edits the stored database the way an attacker with the file would.
function tamper(file: string, sql: string): void {
  using db = new DatabaseSync(file);
  db.exec(sql);
}

Deno.test("AuditTrail chains every record to the one before", async () => {
  await using dir = await tempDir();
  const trail = await trailWith(5, join(dir.path, "symphony.db"));
  const records = trail.list();
  assert.deepEqual(records.map((r) => r.seq), [1, 2, 3, 4, 5]);
  assert.equal(records[0]?.prevHash, GENESIS_HASH);
  for (let i = 1; i < records.length; i++) {
    assert.equal(records[i]?.prevHash, records[i - 1]?.hash);
  }
  const third = records[2];
  assert.ok(third !== undefined);
  const { hash, ...unsigned } = third;
  assert.equal(await auditHash(unsigned), hash);
  assert.deepEqual(await trail.verify(), { ok: true, count: 5 });
});

Deno.test("AuditTrail.verify() finds the first record changed in the database", async (t) => {
  const attacks: [string, string, number, RegExp][] = [
    ["an edited detail", "UPDATE audit SET detail = '{\"i\":40}' WHERE seq = 4", 4, /content/],
    ["an edited kind", "UPDATE audit SET kind = 'install' WHERE seq = 2", 2, /content/],
    [
      "an edited time",
      "UPDATE audit SET at = '2020-01-01T00:00:00.000Z' WHERE seq = 7",
      7,
      /content/,
    ],
    ["an edited actor", "UPDATE audit SET actor = 'cli:mallory' WHERE seq = 1", 1, /content/],
    ["a deleted record", "DELETE FROM audit WHERE seq = 5", 6, /record 5 is missing/],
    [
      "a forged hash",
      "UPDATE audit SET hash = replace(hash, substr(hash, 1, 1), 'x') WHERE seq = 3",
      3,
      /content/,
    ],
  ];
  for (const [name, sql, brokenAt, reason] of attacks) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      const file = join(dir.path, "symphony.db");
      const trail = await trailWith(10, file);
      tamper(file, sql);
      const result = await trail.verify();
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.brokenAt, brokenAt);
      assert.match(!result.ok ? result.reason : "", reason);
      // Records before the broken one are verified (a deleted one leaves a gap).
      assert.equal(result.count, name === "a deleted record" ? 4 : brokenAt - 1);
    });
  }
  await t.step(
    "a record rewritten with a correct hash of its own breaks the next link",
    async () => {
      await using dir = await tempDir();
      const file = join(dir.path, "symphony.db");
      const trail = await trailWith(10, file);
      const record = trail.list().find((r) => r.seq === 6);
      assert.ok(record !== undefined);
      const forged = { ...record, detail: { i: 600 } };
      const { hash: _, ...unsigned } = forged;
      const hash = await auditHash(unsigned);
      tamper(file, `UPDATE audit SET detail = '{"i":600}', hash = '${hash}' WHERE seq = 6`);
      const result = await trail.verify();
      assert.equal(!result.ok && result.brokenAt, 7);
      assert.match(!result.ok ? result.reason : "", /does not link/);
    },
  );
});

Deno.test("appends from two host processes interleave into one valid chain", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "symphony.db");
  using a = openHostDatabase(file);
  using b = openHostDatabase(file);
  const first = new AuditTrail(() => a);
  const second = new AuditTrail(() => b);
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? first : second).append({
        kind: "call",
        actor: "conductor",
        detail: { i },
      })),
  );
  assert.deepEqual(await first.verify(), { ok: true, count: 40 });
});

Deno.test("AuditTrail.list() filters by extension, kind, time and keeps the latest", async () => {
  await using dir = await tempDir();
  const trail = await trailWith(12, join(dir.path, "symphony.db"));
  assert.deepEqual(trail.list({ extension: "acme.e1" }).map((r) => r.seq), [2, 5, 8, 11]);
  assert.deepEqual(trail.list({ kind: "crash", extension: "acme.e1" }).map((r) => r.seq), [2, 8]);
  assert.deepEqual(trail.list({ limit: 2 }).map((r) => r.seq), [11, 12]);
  assert.equal(trail.list({ since: "2999-01-01T00:00:00Z" }).length, 0);
  assert.equal(trail.list({ until: "2999-01-01T00:00:00Z" }).length, 12);
});

Deno.test("AuditTrail commits the appends of a group window together, in order", async () => {
  await using dir = await tempDir();
  using db = openHostDatabase(join(dir.path, "symphony.db"));
  const trail = new AuditTrail(() => db, { groupWindowMs: 20 });
  const entry = (i: number) => ({ kind: "call" as const, actor: "acme.a", detail: { i } });
  const appends = [trail.append(entry(0)), trail.append([entry(1), entry(2)])];
  // Nothing is committed before the window closes.
  assert.equal(trail.list().length, 0);
  const [first, rest] = await Promise.all(appends);
  assert.deepEqual(first?.map((r) => r.seq), [1]);
  assert.deepEqual(rest?.map((r) => r.seq), [2, 3]);
  // One commit: the records share its time, and chain in the order appended.
  assert.equal(new Set(trail.list().map((r) => r.at)).size, 1);
  assert.deepEqual(trail.list().map((r) => r.detail.i), [0, 1, 2]);
  assert.deepEqual(await trail.verify(), { ok: true, count: 3 });
});

Deno.test("AuditTrail.verify() finds a break past its first pages", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "symphony.db");
  const trail = await trailWith(2_500, file);
  assert.deepEqual(await trail.verify(), { ok: true, count: 2_500 });
  tamper(file, `UPDATE audit SET detail = '{"i":0}' WHERE seq = 2100`);
  const verification = await trail.verify();
  assert.equal(verification.ok, false);
  assert.equal(verification.ok === false && verification.brokenAt, 2100);
});

// Counts the workers started and terminated while it is in use.
function workerSpy(): { started: number; terminated: number } & Disposable {
  const original = globalThis.Worker;
  const spy = {
    started: 0,
    terminated: 0,
    [Symbol.dispose](): void {
      globalThis.Worker = original;
    },
  };
  globalThis.Worker = class extends original {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      spy.started++;
    }
    override terminate(): void {
      spy.terminated++;
      super.terminate();
    }
  };
  return spy;
}

// 900 records verified by 3 workers: records 1-300, 301-600 and 601-900.
const SPLIT = { verifyWorkers: 3, parallelFrom: 1 };

Deno.test("AuditTrail.verify() splits a long chain between workers", async (t) => {
  const verifyTampered = async (sql: string): Promise<unknown> => {
    await using dir = await tempDir();
    const file = join(dir.path, "symphony.db");
    const trail = await trailWith(900, file, SPLIT);
    tamper(file, sql);
    using workers = workerSpy();
    const result = await trail.verify();
    assert.equal(workers.started, 3);
    assert.equal(workers.terminated, 3);
    return result;
  };
  await t.step("an intact chain", async () => {
    assert.deepEqual(await verifyTampered("SELECT 1"), { ok: true, count: 900 });
  });
  const cases: [string, string, number, number, string | RegExp][] = [
    [
      "an edited record in the middle of the 2nd range",
      "UPDATE audit SET actor = 'cli:mallory' WHERE seq = 450",
      450,
      449,
      "its content does not match its hash",
    ],
    [
      "an edited first record of a range",
      `UPDATE audit SET detail = '{"i":0}' WHERE seq = 301`,
      301,
      300,
      /content/,
    ],
    [
      "an edited last record of a range",
      "UPDATE audit SET kind = 'grant' WHERE seq = 300",
      300,
      299,
      /content/,
    ],
    [
      "the first record of a range missing",
      "DELETE FROM audit WHERE seq = 301",
      302,
      300,
      "record 301 is missing (the next is 302)",
    ],
    [
      "the last record of a range missing",
      "DELETE FROM audit WHERE seq = 300",
      301,
      299,
      "record 300 is missing (the next is 301)",
    ],
    [
      "a whole range missing",
      "DELETE FROM audit WHERE seq BETWEEN 301 AND 600",
      601,
      300,
      "record 301 is missing (the next is 601)",
    ],
    [
      "a first record of a range that does not link to the range before",
      `UPDATE audit SET prev_hash = '${GENESIS_HASH}' WHERE seq = 601`,
      601,
      600,
      "it does not link to the record before it",
    ],
    [
      "breaks in two ranges: the first is reported",
      "UPDATE audit SET actor = 'x' WHERE seq IN (420, 700)",
      420,
      419,
      /content/,
    ],
  ];
  for (const [name, sql, brokenAt, count, reason] of cases) {
    await t.step(name, async () => {
      const result = await verifyTampered(sql);
      assert.equal(result !== null && typeof result === "object" && "ok" in result, true);
      const broken = result as { ok: boolean; count: number; brokenAt: number; reason: string };
      assert.equal(broken.ok, false);
      assert.equal(broken.brokenAt, brokenAt);
      assert.equal(broken.count, count);
      if (typeof reason === "string") assert.equal(broken.reason, reason);
      else assert.match(broken.reason, reason);
    });
  }
  await t.step("the last record of a range rewritten with a correct hash of its own", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "symphony.db");
    const trail = await trailWith(900, file, SPLIT);
    const record = trail.list().find((r) => r.seq === 300);
    assert.ok(record !== undefined);
    const { hash: _, ...unsigned } = { ...record, detail: { i: 3000 } };
    const hash = await auditHash(unsigned);
    tamper(file, `UPDATE audit SET detail = '{"i":3000}', hash = '${hash}' WHERE seq = 300`);
    assert.deepEqual(await trail.verify(), {
      ok: false,
      count: 300,
      brokenAt: 301,
      reason: "it does not link to the record before it",
    });
  });
});

Deno.test("AuditTrail.verify() terminates its workers when one fails", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "symphony.db");
  const trail = await trailWith(900, file, SPLIT);
  // The workers open the file by its name: gone, they cannot.
  await Deno.rename(file, join(dir.path, "moved.db"));
  using workers = workerSpy();
  await assert.rejects(
    () => trail.verify(),
    (error: unknown) =>
      error instanceof SymphonyError && error.code === "Internal" &&
      error.message.startsWith("Cannot verify the audit trail: a worker failed:"),
  );
  assert.equal(workers.started, 3);
  assert.equal(workers.terminated, 3);
});

Deno.test("AuditTrail.verify() verifies short chains and :memory: databases in this thread", async () => {
  await using dir = await tempDir();
  const short = await trailWith(900, join(dir.path, "symphony.db"), { parallelFrom: 901 });
  using memory = openHostDatabase(":memory:");
  const inMemory = new AuditTrail(() => memory, SPLIT);
  await inMemory.append(Array.from({ length: 900 }, (_, i) => ({
    kind: "call" as const,
    actor: "conductor",
    detail: { i },
  })));
  using workers = workerSpy();
  assert.deepEqual(await short.verify(), { ok: true, count: 900 });
  assert.deepEqual(await inMemory.verify(), { ok: true, count: 900 });
  assert.equal(workers.started, 0);
});

// A chain of 4,000 records in a file, and two trails over it: one verifies
// in two workers, the other in this thread.
async function bothWays(
  file: string,
): Promise<{ inWorkers: AuditTrail; inThisThread: AuditTrail } & Disposable> {
  const inWorkers = await trailWith(4_000, file, { verifyWorkers: 2, parallelFrom: 1 });
  const again = openHostDatabase(file);
  return {
    inWorkers,
    inThisThread: new AuditTrail(() => again, { parallelFrom: 4_001 }),
    [Symbol.dispose]: () => again.close(),
  };
}

Deno.test("AuditTrail.verify() reports its progress, in this thread and from workers", async (t) => {
  await using dir = await tempDir();
  using trails = await bothWays(join(dir.path, "symphony.db"));
  const { inWorkers, inThisThread } = trails;
  for (const [name, trail] of [["workers", inWorkers], ["this thread", inThisThread]] as const) {
    await t.step(name, async () => {
      const seen: [number, number][] = [];
      const result = await trail.verify({
        progress: (verified, total) => seen.push([verified, total]),
      });
      assert.deepEqual(result, { ok: true, count: 4_000 });
      // Every thousand records of each range: 1,000 and 2,000 of each worker's
      // half (the sums of what each has reported), or 1,000 to 4,000 in one range.
      assert.ok(seen.length >= 3, `only ${seen.length} reports`);
      for (const [i, [verified, total]] of seen.entries()) {
        assert.equal(total, 4_000);
        assert.ok(verified > (seen[i - 1]?.[0] ?? 0) && verified <= 4_000);
      }
      assert.equal(seen.at(-1)?.[0], 4_000);
    });
  }
});

Deno.test("AuditTrail.verify() stops when its signal is aborted", async (t) => {
  await using dir = await tempDir();
  using trails = await bothWays(join(dir.path, "symphony.db"));
  const { inWorkers, inThisThread } = trails;
  for (
    const [name, trail, started] of [
      ["workers", inWorkers, 2],
      ["this thread", inThisThread, 0],
    ] as const
  ) {
    await t.step(name, async () => {
      using workers = workerSpy();
      const stop = new AbortController();
      let reports = 0;
      await assert.rejects(
        () =>
          trail.verify({
            signal: stop.signal,
            progress: () => {
              reports++;
              stop.abort(new RangeError("enough"));
            },
          }),
        (error: unknown) => error instanceof RangeError && error.message === "enough",
      );
      assert.ok(reports >= 1);
      assert.equal(workers.started, started);
      assert.equal(workers.terminated, started);
      await assert.rejects(() => trail.verify({ signal: AbortSignal.abort() }), {
        name: "AbortError",
      });
    });
  }
});

Deno.test("AuditTrail stores each detail as the canonical JSON its hash is over", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "symphony.db");
  const trail = await trailWith(1, file);
  using db = new DatabaseSync(file);
  const row = db.prepare("SELECT detail FROM audit WHERE seq = 1").get() as { detail: string };
  assert.equal(row.detail, '{"i":0,"nested":{"a":[0],"b":1}}');
  assert.equal(row.detail, canonicalJson(trail.list()[0]?.detail));
});

Deno.test("AuditTrail.verify() accepts records stored by older versions, keys unsorted", async (t) => {
  const detail = (i: number): Record<string, unknown> => ({
    z: i,
    a: { y: 1, b: [i, { d: 1, c: 2 }] },
  });
  const mixes: [string, (seq: number) => boolean][] = [
    ["old records, then new ones", (seq) => seq <= 700],
    ["new records, then old ones", (seq) => seq > 700],
    ["every third record old", (seq) => seq % 3 === 0],
  ];
  for (const [name, isOld] of mixes) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      using db = openHostDatabase(join(dir.path, "symphony.db"));
      const trail = new AuditTrail(() => db, SPLIT);
      await trail.append(
        Array.from({ length: 1_500 }, (_, i) => ({ kind: "call", actor: "x", detail: detail(i) })),
      );
      // Older versions stored JSON.stringify(detail): keys in the order given.
      const rewrite = db.prepare("UPDATE audit SET detail = ? WHERE seq = ?");
      for (let seq = 1; seq <= 1_500; seq++) {
        if (isOld(seq)) rewrite.run(JSON.stringify(detail(seq - 1)), seq);
      }
      const stored = db.prepare("SELECT detail FROM audit WHERE seq = ?");
      const text = (seq: number): string => (stored.get(seq) as { detail: string }).detail;
      const old = isOld(999) ? 999 : 3;
      assert.equal(text(old), JSON.stringify(detail(old - 1)));
      assert.notEqual(text(old), canonicalJson(detail(old - 1)));
      assert.deepEqual(await trail.verify(), { ok: true, count: 1_500 });
      const inThisThread = new AuditTrail(() => db);
      assert.deepEqual(await inThisThread.verify(), { ok: true, count: 1_500 });
      // An old record edited, its keys still unsorted, is found.
      rewrite.run(JSON.stringify({ ...detail(old - 1), z: -1 }), old);
      assert.deepEqual(await trail.verify(), {
        ok: false,
        count: old - 1,
        brokenAt: old,
        reason: "its content does not match its hash",
      });
    });
  }
});
