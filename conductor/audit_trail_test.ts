import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { tempDir } from "../tests/temp_dir.ts";
import { auditHash, AuditTrail, GENESIS_HASH } from "./audit_trail.ts";
import { openHostDatabase } from "./host_database.ts";

async function trailWith(n: number, file: string): Promise<AuditTrail> {
  const db = openHostDatabase(file);
  const trail = new AuditTrail(() => db);
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
