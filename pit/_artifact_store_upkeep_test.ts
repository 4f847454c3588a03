import assert from "node:assert/strict";
import {
  collectStream,
  concat,
  filesUnder,
  fixture,
  meta,
  sha256,
  text,
} from "./_artifact_store_fixture.ts";

Deno.test("artifactStore.verify() reports corrupt and missing blobs", async () => {
  await using fx = await fixture();
  const intact = await fx.store.put("ext.a", text("intact"), meta("a"));
  const corrupt = await fx.store.put("ext.a", text("will rot"), meta("b"));
  const missing = await fx.store.put("ext.a", text("will vanish"), meta("c"));
  assert.deepEqual(await fx.store.verify(), []);
  const path = (id: string): string => `${fx.root}/blobs/${id.slice(0, 2)}/${id}`;
  await Deno.writeFile(path(corrupt.id), text("will rut"));
  await Deno.remove(path(missing.id));
  const report = await fx.store.verify();
  assert.deepEqual(
    report.sort((a, b) => a.id.localeCompare(b.id)),
    [
      { id: corrupt.id, expected: corrupt.id, actual: sha256(text("will rut")) },
      { id: missing.id, expected: missing.id, actual: "missing" },
    ].sort((a, b) => a.id.localeCompare(b.id)),
  );
  assert.ok(!report.some((entry) => entry.id === intact.id));
  await assert.rejects(fx.store.open("ext.a", missing.id), {
    code: "NotFound",
    message: /missing/,
  });
  const controller = new AbortController();
  controller.abort(new Error("stop"));
  await assert.rejects(fx.store.verify({ signal: controller.signal }), /stop/);
});

Deno.test("artifactStore.metadata() is cached and the cache follows deletes and puts", async (t) => {
  await using fx = await fixture(2);
  const one = await fx.store.put("ext.a", text("one"), meta("one"));
  await t.step("a second lookup returns the cached object", () => {
    assert.equal(fx.store.metadata("ext.a", one.id), fx.store.metadata("ext.a", one.id));
  });
  await t.step("a put of the same content under a newer name is seen", async () => {
    const copy = await fx.store.put("ext.a", text("one"), meta("copy"));
    assert.equal(fx.store.metadata("ext.a", one.id).name, "copy");
    fx.store.delete("ext.a", "copy", { version: copy.version });
    assert.equal(fx.store.metadata("ext.a", one.id).name, "one");
  });
  await t.step("deleting the last version makes it NotFound", () => {
    fx.store.delete("ext.a", "one", { version: 1 });
    assert.throws(() => fx.store.metadata("ext.a", one.id), { code: "NotFound" });
  });
  await t.step("the oldest entry leaves a full cache", async () => {
    const a = await fx.store.put("ext.a", text("a"), meta("a"));
    const b = await fx.store.put("ext.a", text("b"), meta("b"));
    const c = await fx.store.put("ext.a", text("c"), meta("c"));
    const first = fx.store.metadata("ext.a", a.id);
    fx.store.metadata("ext.a", b.id);
    assert.equal(fx.store.metadata("ext.a", a.id), first);
    fx.store.metadata("ext.a", c.id);
    assert.notEqual(fx.store.metadata("ext.a", a.id), first);
    assert.deepEqual(fx.store.metadata("ext.a", a.id), first);
  });
  await t.step("a malformed id is InvalidInput, an unknown one NotFound", () => {
    assert.throws(() => fx.store.metadata("ext.a", "abc"), { code: "InvalidInput" });
    assert.throws(() => fx.store.metadata("ext.a", "0".repeat(64)), { code: "NotFound" });
    assert.throws(() => fx.store.metadata("ext.a", "A".repeat(64)), { code: "InvalidInput" });
  });
});

Deno.test("artifactStore.open() streams in 64 KiB chunks and read() returns a range", async (t) => {
  await using fx = await fixture();
  const content = new Uint8Array(200_000).map((_, i) => i % 251);
  const { id } = await fx.store.put("ext.a", content, meta("big"));
  await t.step("the whole content", async () => {
    const chunks = await collectStream(await fx.store.open("ext.a", id));
    assert.ok(chunks.length >= 4 && chunks.every((chunk) => chunk.byteLength <= 65_536));
    assert.deepEqual(concat(chunks), content);
  });
  await t.step("a range", async () => {
    const chunks = await collectStream(
      await fx.store.open("ext.a", id, { offset: 70_000, length: 100_000 }),
    );
    assert.deepEqual(concat(chunks), content.slice(70_000, 170_000));
  });
  await t.step("cancelling closes the file", async () => {
    const reader = (await fx.store.open("ext.a", id)).getReader();
    assert.equal((await reader.read()).value?.byteLength, 65_536);
    await reader.cancel();
  });
  await t.step("read() returns the bytes asked for, fewer at the end", async () => {
    assert.deepEqual(
      await fx.store.read("ext.a", id, { offset: 1_000, length: 10 }),
      content.slice(1_000, 1_010),
    );
    assert.deepEqual(
      await fx.store.read("ext.a", id, { offset: 199_990, length: 100 }),
      content.slice(199_990),
    );
    assert.deepEqual(
      await fx.store.read("ext.a", id, { offset: 200_000, length: 5 }),
      new Uint8Array(),
    );
  });
  await t.step("bad ranges are InvalidInput", async () => {
    const bad = { code: "InvalidInput" };
    await assert.rejects(fx.store.read("ext.a", id, { offset: 200_001, length: 1 }), bad);
    await assert.rejects(fx.store.read("ext.a", id, {}), bad);
    await assert.rejects(fx.store.read("ext.a", id, { length: 16 * 1024 * 1024 + 1 }), bad);
    await assert.rejects(fx.store.open("ext.a", id, { offset: -1 }), bad);
    await assert.rejects(fx.store.open("ext.a", id, { length: 0.5 }), bad);
  });
});

Deno.test("artifactStore.delete() refuses pinned versions and collect() removes unheld blobs", async () => {
  await using fx = await fixture();
  const kept = await fx.store.put("ext.a", text("shared content"), meta("kept"));
  await fx.store.put("ext.a", text("shared content"), meta("gone"));
  const gone = await fx.store.put("ext.a", text("only here"), meta("gone"));
  fx.store.pin("ext.a", "gone", { version: 2 });
  assert.throws(() => fx.store.delete("ext.a", "gone", { version: 2 }), {
    code: "PermissionDenied",
  });
  fx.store.unpin("ext.a", "gone", { version: 2 });
  fx.store.delete("ext.a", "gone", { version: 2 });
  fx.store.delete("ext.a", "gone", { version: 1 });
  assert.throws(() => fx.store.delete("ext.a", "gone", { version: 1 }), { code: "NotFound" });

  await Deno.writeFile(`${fx.root}/tmp/left-by-a-crash`, text("partial"));
  await Deno.utime(`${fx.root}/tmp/left-by-a-crash`, 0, 0);
  await Deno.writeFile(`${fx.root}/tmp/fresh`, text("partial"));
  fx.clock.now = Date.now();
  assert.deepEqual(await fx.store.collect(), { blobs: 1, bytes: gone.size, temps: 1 });
  const blobs = await filesUnder(`${fx.root}/blobs`);
  assert.deepEqual(blobs.map((path) => path.slice(-64)), [kept.id]);
  assert.deepEqual((await filesUnder(`${fx.root}/tmp`)).map((p) => p.slice(-5)), ["fresh"]);
  assert.deepEqual(await fx.store.collect(), { blobs: 0, bytes: 0, temps: 0 });
  assert.deepEqual(await fx.store.verify(), []);
});

Deno.test("artifactStore.usage() lists versions least recently used first", async () => {
  await using fx = await fixture();
  fx.clock.now = 100;
  const old = await fx.store.put("ext.a", text("old"), meta("old"));
  fx.clock.now = 200;
  await fx.store.put("ext.b", text("new"), meta("new"));
  fx.store.pin("ext.b", "new", { version: 1 });
  assert.deepEqual(fx.store.usage().map((u) => [u.name, u.lastAccessAt, u.pinned]), [
    ["old", 100, false],
    ["new", 200, true],
  ]);
  fx.clock.now = 300;
  await fx.store.read("ext.a", old.id, { length: 1 });
  assert.deepEqual(fx.store.usage().map((u) => [u.name, u.createdAt, u.lastAccessAt, u.size]), [
    ["new", 200, 200, 3],
    ["old", 100, 300, 3],
  ]);
  fx.clock.now = 400;
  fx.store.get("ext.b", "new");
  assert.deepEqual(fx.store.usage().map((u) => u.name), ["old", "new"]);
});
