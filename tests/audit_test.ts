// The audit trail as an admin relies on it: what the host decides lands in
// it, calls between extensions carry the caller the Conductor knows, and
// `symphony audit --verify` catches a trail edited behind the host's back.
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { assertFails, attacker, stage, writeExtension } from "./extension_stage.ts";
import { ROOT, type Run, runSymphony } from "./run_symphony.ts";
import { tempDir } from "./temp_dir.ts";

function symphony(home: string, ...args: string[]): Promise<Run> {
  return runSymphony(args, { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: ROOT });
}

// Waits for the trail to hold a record matching `matches` (appends do not hold up calls).
async function recorded(
  list: () => { kind: string; detail: Record<string, unknown> }[],
  matches: (r: { kind: string; detail: Record<string, unknown> }) => boolean,
): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!list().some(matches)) {
    assert.ok(Date.now() < deadline, "the record never reached the trail");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("calls between extensions carry the caller the Conductor knows, and are audited", async () => {
  await using s = await stage();
  await s.install({
    id: "acme.callee",
    main: `export function activate() {
      return { run: (input, call) => (console.log("caller is " + call.caller), call.caller ?? "the host") };
    }`,
  });
  await s.install(
    attacker(
      "acme.caller",
      `// A forged request claiming another identity: the Conductor ignores the claim.
       Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify({
         jsonrpc: "2.0", id: 999, method: "callExtension",
         params: { target: "acme.callee", method: "run", input: null, caller: "acme.root" },
       }) + "\\n"));
       return await ctx.call("acme.callee", "run", null);`,
      { events: { calls: ["acme.callee"] }, dependencies: { "acme.callee": "^1.0.0" } },
    ),
  );
  assert.equal(await s.conductor.call("acme.caller", "run", null), "acme.caller");
  assert.equal(await s.conductor.call("acme.callee", "run", null), "the host");
  await s.nextLog((l) => l.id === "acme.callee" && l.message === "caller is undefined");
  const callers = s.logs.filter((l) => l.id === "acme.callee").map((l) => l.message);
  assert.ok(!callers.includes("caller is acme.root"), "a forged caller reached the callee");
  await recorded(
    () => s.conductor.audit.list({ kind: "call" }),
    (r) => r.detail["caller"] === "acme.caller",
  );
  const call = s.conductor.audit.list({ kind: "call" })[0];
  assert.deepEqual(call?.detail, {
    caller: "acme.caller",
    callee: "acme.callee",
    method: "run",
    outcome: "ok",
  });
  assert.equal(call?.actor, "acme.caller");
  // The forged request was a call too, stamped acme.caller: two calls of the
  // pair, each audited and counted.
  await recorded(
    () => s.conductor.audit.list({ kind: "call" }).slice(1),
    (r) => r.detail["caller"] === "acme.caller",
  );
  assert.equal(s.conductor.audit.list({ kind: "call" }).length, 2);
  assert.deepEqual(s.conductor.callCounts().get("acme.caller → acme.callee"), { ok: 2, failed: 0 });
  assert.deepEqual([...s.conductor.callCounts().keys()], ["acme.caller → acme.callee"]);
});

Deno.test("refused calls and permission denials land in the trail", async () => {
  await using s = await stage();
  await s.install(attacker("acme.nosy", "return await ctx.call('acme.benign', 'echo', 1);"));
  await assertFails(
    s.conductor.call("acme.nosy", "run", null),
    "PermissionDenied",
    /events\.calls/,
  );
  await s.install(attacker("acme.reader", "return await Deno.readTextFile('/etc/passwd');"));
  await assertFails(s.conductor.call("acme.reader", "run", null), "PermissionDenied");
  await recorded(
    () => s.conductor.audit.list({ extension: "acme.reader" }),
    (r) => r.kind === "permission-denied",
  );
  assert.deepEqual(
    s.conductor.audit.list({ kind: "policy-refusal" }).map((r) => r.detail),
    [{ refused: "call", callee: "acme.benign", method: "echo", rule: "events.calls" }],
  );
  assert.deepEqual(await s.conductor.audit.verify(), {
    ok: true,
    count: s.conductor.audit.list().length,
  });
});

Deno.test("symphony audit lists, filters, exports and verifies the trail", async (t) => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const source = await writeExtension(dir.path, { id: "acme.crashy", main: "Deno.exit(3);" });
  assert.equal((await symphony(home, "install", source, "--yes")).code, 0);
  for (let i = 0; i < 3; i++) await symphony(home, "call", "acme.crashy", "run");
  assert.equal((await symphony(home, "enable", "acme.crashy")).code, 0);
  assert.equal((await symphony(home, "uninstall", "acme.crashy")).code, 0);

  await t.step("every decision is there, in order, with its actor", async () => {
    const run = await symphony(home, "audit", "--json");
    assert.equal(run.code, 0, run.stderr);
    const records = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(
      records.map((r) => r.kind),
      ["install", "crash", "crash", "crash", "disable", "enable", "uninstall"],
    );
    assert.match(records[0].actor, /^cli:/);
    assert.equal(records[1].actor, "conductor");
    assert.equal(records[1].detail.code, "Crashed");
    assert.deepEqual(records.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7]);
  });

  await t.step("filters by kind and extension", async () => {
    const run = await symphony(home, "audit", "--kind", "crash", "--ext", "acme.crashy");
    assert.equal(run.stdout.trim().split("\n").length, 3);
    assert.match(run.stdout, /^#2 \S+ crash acme\.crashy conductor \{"code":"Crashed"/);
    assert.equal(
      (await symphony(home, "audit", "--ext", "acme.none")).stdout,
      "no audit records\n",
    );
    const bad = await symphony(home, "audit", "--kind", "bogus");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error\[InvalidInput\]: Cannot audit: unknown kind "bogus"/);
  });

  await t.step("--verify passes, then fails at the record edited with SQLite", async () => {
    const ok = await symphony(home, "audit", "--verify");
    assert.equal(ok.code, 0);
    assert.equal(ok.stdout, "verified 7 records: the chain is intact\n");
    {
      using db = new DatabaseSync(join(home, "host", "symphony.db"));
      db.exec(
        `UPDATE audit SET detail = '{"code":"Crashed","reason":"nothing to see"}' WHERE seq = 3`,
      );
    }
    const broken = await symphony(home, "audit", "--verify");
    assert.equal(broken.code, 1);
    assert.equal(
      broken.stdout,
      "the chain is broken at record 3: its content does not match its hash; records 1 to 2 verified\n",
    );
  });

  await t.step(
    "--since keeps records from its time on, --until those before its time",
    async () => {
      // Record n moves to 2030-01-0n (listing does not verify the chain, broken already).
      {
        using db = new DatabaseSync(join(home, "host", "symphony.db"));
        db.exec(`UPDATE audit SET at = '2030-01-0' || seq || 'T00:00:00.000Z'`);
      }
      const window = ["--since", "2030-01-03T00:00:00Z", "--until", "2030-01-06T00:00:00Z"];
      const json = await symphony(home, "audit", ...window, "--json");
      assert.equal(json.code, 0, json.stderr);
      const records = json.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(records.map((r) => [r.seq, r.at, r.kind]), [
        [3, "2030-01-03T00:00:00.000Z", "crash"],
        [4, "2030-01-04T00:00:00.000Z", "crash"],
        [5, "2030-01-05T00:00:00.000Z", "disable"],
      ]);
      const text = await symphony(home, "audit", ...window);
      assert.deepEqual(text.stdout.trim().split("\n").map((l) => l.split(" ").slice(0, 3)), [
        ["#3", "2030-01-03T00:00:00.000Z", "crash"],
        ["#4", "2030-01-04T00:00:00.000Z", "crash"],
        ["#5", "2030-01-05T00:00:00.000Z", "disable"],
      ]);
      const crashes = await symphony(home, "audit", ...window, "--kind", "crash", "--json");
      assert.deepEqual(crashes.stdout.trim().split("\n").map((l) => JSON.parse(l).seq), [3, 4]);
    },
  );
});
