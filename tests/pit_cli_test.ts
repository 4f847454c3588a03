// The Pit as an admin reaches it from the command line: `symphony gc` applies
// a retention policy to the host's artifacts (dry run first, pinned versions
// kept, archived before removal), and `symphony trust` shows and sets an
// extension's trust tier, as `list` and the audit trail then show.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Conductor } from "../conductor/mod.ts";
import { FIXTURES, ROOT, type Run, runSymphony } from "./run_symphony.ts";
import { tempDir } from "./temp_dir.ts";

const NAMESPACE = "acme.x";

function symphony(home: string, ...args: string[]): Promise<Run> {
  return runSymphony(args, { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: ROOT });
}

// Opens the host in this process, lets `use` work on it, and closes it again
// before any `symphony` command runs against the same home.
async function withHost<T>(home: string, use: (c: Conductor) => Promise<T> | T): Promise<T> {
  await using c = new Conductor({ home, workspace: ROOT });
  return await use(c);
}

// The clock has passed every artifact's creation time: later puts are newer,
// and every artifact is older than any positive age.
async function clockPastArtifacts(c: Conductor): Promise<void> {
  const newest = Math.max(0, ...c.pit.artifacts.usage().map((u) => u.createdAt));
  while (Date.now() <= newest) await new Promise((resolve) => setTimeout(resolve, 1));
}

// Puts versions of names in order, each created in a later millisecond than
// the one before, so "newest" and "least recently used" are never a tie.
async function putVersions(c: Conductor, versions: [name: string, text: string][]): Promise<void> {
  for (const [name, text] of versions) {
    await clockPastArtifacts(c);
    await c.pit.artifacts.put(NAMESPACE, new TextEncoder().encode(text), {
      name,
      producer: NAMESPACE,
    });
  }
}

function keys(c: Conductor): string[] {
  return c.pit.artifacts.usage().map((u) => `${u.namespace}/${u.name}@${u.version}`).sort();
}

// The keys on the lines starting with `verb`, in order.
function listed(run: Run, verb: string): string[] {
  return run.stdout.split("\n").filter((line) => line.startsWith(`${verb} `)).map((line) =>
    line.slice(verb.length + 1).split(" ")[0] ?? ""
  );
}

Deno.test("gc --dry-run lists what the size budget removes, and a real run removes it", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const hundred = (c: string): string => c.repeat(100);
  await withHost(home, (c) =>
    putVersions(c, [
      ["report", hundred("a")],
      ["report", hundred("b")],
      ["report", hundred("c")],
      ["notes", hundred("d")],
    ]));

  const dry = await symphony(home, "gc", "--dry-run", "--max-bytes", "250");
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(listed(dry, "would remove"), ["acme.x/report@1", "acme.x/report@2"]);
  assert.match(
    dry.stdout,
    /^would remove acme\.x\/report@1 \(100 bytes\): least recently used \(last access .+ ago\) while 150 bytes over the 250 bytes budget$/m,
  );
  assert.match(dry.stdout, /^2 artifacts, 200 bytes would be freed$/m);
  assert.deepEqual(
    await withHost(home, keys),
    ["acme.x/notes@1", "acme.x/report@1", "acme.x/report@2", "acme.x/report@3"],
    "the dry run removed something",
  );

  const again = await symphony(home, "gc", "--dry-run", "--max-bytes", "250");
  assert.deepEqual(listed(again, "would remove"), listed(dry, "would remove"));

  const real = await symphony(home, "gc", "--max-bytes", "250");
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual(listed(real, "removed"), ["acme.x/report@1", "acme.x/report@2"]);
  assert.match(real.stdout, /^2 artifacts, 200 bytes freed$/m);
  assert.deepEqual(await withHost(home, keys), ["acme.x/notes@1", "acme.x/report@3"]);

  const audit = await symphony(home, "audit", "--kind", "gc", "--json");
  const records = audit.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(records.length, 1);
  assert.deepEqual(records[0].detail.removed, [
    { key: "acme.x/report@1", reason: "budget" },
    { key: "acme.x/report@2", reason: "budget" },
  ]);

  const nothing = await symphony(home, "gc", "--max-bytes", "1K");
  assert.equal(nothing.stdout, "0 artifacts, 0 bytes freed\n");
});

Deno.test("gc --keep keeps the newest versions of each name, and never a pinned one", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  await withHost(home, async (c) => {
    await putVersions(c, [
      ["report", "report one"],
      ["report", "report two"],
      ["report", "report three"],
      ["notes", "notes one"],
      ["notes", "notes two"],
    ]);
    c.pit.artifacts.pin(NAMESPACE, "report", { version: 1 });
  });

  const run = await symphony(home, "gc", "--keep", "1");
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(listed(run, "removed").sort(), ["acme.x/notes@1", "acme.x/report@2"]);
  assert.match(
    run.stdout,
    /^removed acme\.x\/report@2 \(10 bytes\): not among the newest 1 of 3 versions of "acme\.x\/report" \(2nd newest/m,
  );
  assert.match(run.stdout, /^2 artifacts, 19 bytes freed; kept 1 pinned$/m);
  assert.deepEqual(await withHost(home, keys), [
    "acme.x/notes@2",
    "acme.x/report@1",
    "acme.x/report@3",
  ]);

  // A budget nothing unpinned can meet removes the rest and says so.
  const tight = await symphony(home, "gc", "--max-bytes", "0");
  assert.equal(tight.code, 0, tight.stderr);
  assert.deepEqual(listed(tight, "removed").sort(), ["acme.x/notes@2", "acme.x/report@3"]);
  assert.match(
    tight.stdout,
    /^Cannot meet the 0 bytes budget: 10 bytes remain, 10 bytes over, all of it pinned/m,
  );
  assert.deepEqual(await withHost(home, keys), ["acme.x/report@1"]);
});

Deno.test("gc --archive copies what it removes, and --json prints the report", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const archive = join(dir.path, "archive");
  await withHost(home, (c) => putVersions(c, [["report", "first"], ["report", "second"]]));

  const run = await symphony(home, "gc", "--keep", "1", "--archive", archive, "--json");
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.dryRun, false);
  assert.equal(report.bytesFreed, 5);
  assert.deepEqual(report.kept, { pinned: 0, referenced: 0 });
  assert.deepEqual(
    report.removals.map((r: { key: string; reason: string; outcome: unknown }) => [
      r.key,
      r.reason,
      r.outcome,
    ]),
    [["acme.x/report@1", "count", { status: "done" }]],
  );
  assert.deepEqual(await withHost(home, keys), ["acme.x/report@2"]);
  assert.equal(await Deno.readTextFile(join(archive, NAMESPACE, "report@1")), "first");
});

Deno.test("gc --max-age and --max-idle count days", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  await withHost(home, async (c) => {
    await putVersions(c, [["report", "first"]]);
    await clockPastArtifacts(c);
  });

  for (const flag of ["--max-age", "--max-idle"]) {
    const young = await symphony(home, "gc", "--dry-run", flag, "3650");
    assert.equal(young.stdout, "0 artifacts, 0 bytes would be freed\n");
    // A hundred-millionth of a day is under 1 ms, and the clock is past the artifact.
    const old = await symphony(home, "gc", "--dry-run", flag, "0.00000001");
    assert.deepEqual(listed(old, "would remove"), ["acme.x/report@1"]);
    assert.match(
      old.stdout,
      flag === "--max-age" ? /: older than 1 ms \(created/ : /: not accessed for more than/,
    );
  }
  assert.deepEqual(await withHost(home, keys), ["acme.x/report@1"]);
});

Deno.test("gc refuses bad arguments with InvalidInput", async (t) => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const cases: [string[], RegExp][] = [
    [[], /Cannot gc: no retention rule given.*--max-age, --max-idle, --max-bytes and --keep/],
    [["--dry-run"], /Cannot gc: no retention rule given/],
    [["--max-age", "abc"], /Cannot gc: --max-age: "abc" is not a number of days/],
    [["--max-age", "0"], /Cannot gc: --max-age: must be more than 0/],
    [["--max-idle=-1"], /Cannot gc: --max-idle: "-1" is not a number of days/],
    [["--keep", "0"], /Cannot gc: --keep: must keep at least 1 version/],
    [["--keep", "1.5"], /Cannot gc: --keep: must be a whole number of versions/],
    [["--max-bytes", "2X"], /Cannot gc: --max-bytes: "2X" is not a size/],
    [["--keep", "1", "extra"], /Cannot gc: it takes no arguments/],
    [["--frobnicate"], /Cannot parse arguments/],
  ];
  for (const [args, message] of cases) {
    await t.step(`gc ${args.join(" ")}`, async () => {
      const run = await symphony(home, "gc", ...args);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^error\[InvalidInput\]: /);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, "");
    });
  }
  await t.step("--json reports the error on stdout", async () => {
    const run = await symphony(home, "gc", "--keep", "none", "--json");
    assert.equal(run.code, 1);
    assert.deepEqual(JSON.parse(run.stdout), {
      error: {
        code: "InvalidInput",
        message: 'Cannot gc: --keep: "none" is not a number of versions',
      },
    });
  });
  await t.step("--max-bytes takes suffixes in powers of 1024", async () => {
    const run = await symphony(home, "gc", "--dry-run", "--max-bytes", "1.5G", "--json");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).budget.limitBytes, 1.5 * 1024 ** 3);
  });
  await t.step("--help", async () => {
    const run = await symphony(home, "gc", "--help");
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: symphony gc \[--dry-run\]/);
  });
});

Deno.test("trust shows and sets an extension's tier, as list and the audit trail show", async (t) => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const id = "acme.word-count";
  const installed = await symphony(home, "install", join(FIXTURES, "motif"), "--yes");
  assert.equal(installed.code, 0, installed.stderr);
  const listedTrust = async (): Promise<unknown> =>
    JSON.parse((await symphony(home, "list", "--json")).stdout)[0].trust;

  await t.step("an extension starts community", async () => {
    const run = await symphony(home, "trust", id);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${id} is community\n`);
    assert.equal(await listedTrust(), "community");
  });

  await t.step("trust <id> trusted sets it, and list shows it", async () => {
    const run = await symphony(home, "trust", id, "trusted");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${id} is now trusted\n`);
    assert.deepEqual(JSON.parse((await symphony(home, "trust", id, "--json")).stdout), {
      id,
      trust: "trusted",
    });
    assert.equal(await listedTrust(), "trusted");
    assert.match((await symphony(home, "list")).stdout, /^acme\.word-count +2\.0\.0 .* trusted$/m);
  });

  await t.step("the change is audited", async () => {
    const run = await symphony(home, "audit", "--kind", "trust", "--json");
    const records = run.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(
      records.map((r) => [r.kind, r.extension, r.detail]),
      [["trust", id, { from: "community", to: "trusted" }]],
    );
  });

  await t.step(
    "an unknown tier or a missing id is InvalidInput, an unknown extension NotFound",
    async () => {
      const tier = await symphony(home, "trust", id, "root");
      assert.equal(tier.code, 1);
      assert.match(
        tier.stderr,
        /^error\[InvalidInput\]: Cannot set the trust of .*"root" is not a tier/,
      );
      const none = await symphony(home, "trust");
      assert.equal(none.code, 1);
      assert.match(none.stderr, /^error\[InvalidInput\]: Cannot trust: expected trust <id>/);
      for (const args of [["acme.nope"], ["acme.nope", "trusted"]]) {
        const run = await symphony(home, "trust", ...args);
        assert.equal(run.code, 1);
        assert.match(run.stderr, /^error\[NotFound\]: Cannot find acme\.nope/);
      }
      assert.equal(await listedTrust(), "trusted");
    },
  );

  await t.step("--help", async () => {
    const run = await symphony(home, "trust", "--help");
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: symphony trust <id> \[community\|trusted\|enterprise\]/);
    assert.match((await symphony(home, "--help")).stdout, /^ {2}trust +show or set/m);
  });
});
