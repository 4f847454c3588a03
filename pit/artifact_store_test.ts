import assert from "node:assert/strict";
import { ArtifactStore, type PutOptions } from "./artifact_store.ts";
import { filesUnder, fixture, meta, sha256, streamOf, text } from "./_artifact_store_fixture.ts";

Deno.test("artifactStore.put() of bytes and of a stream gives the content's SHA-256 as id", async () => {
  await using fx = await fixture();
  const content = text("a".repeat(100_000));
  const fromBytes = await fx.store.put("ext.a", content, meta("doc"));
  const fromStream = await fx.store.put(
    "ext.a",
    streamOf([content.subarray(0, 7), content.subarray(7, 70_000), content.subarray(70_000)]),
    meta("doc"),
  );
  assert.equal(fromBytes.id, sha256(content));
  assert.equal(fromStream.id, fromBytes.id);
  assert.equal(fromStream.size, 100_000);
  assert.deepEqual(
    await Deno.readFile(`${fx.root}/blobs/${fromBytes.id.slice(0, 2)}/${fromBytes.id}`),
    content,
  );
  const empty = await fx.store.put("ext.a", new Uint8Array(), meta("empty"));
  assert.equal(empty.id, sha256(new Uint8Array()));
  assert.equal(empty.size, 0);
});

Deno.test("artifactStore.put() stores identical content once", async () => {
  await using fx = await fixture();
  const one = await fx.store.put("ext.a", text("same"), meta("first"));
  const two = await fx.store.put("ext.b", text("same"), meta("second"));
  await fx.store.put("ext.a", text("other"), meta("third"));
  assert.equal(one.id, two.id);
  assert.equal((await filesUnder(`${fx.root}/blobs`)).length, 2);
  assert.deepEqual(await filesUnder(`${fx.root}/tmp`), []);
});

Deno.test("artifactStore.put() that fails midway leaves no blob, no temp file and no version", async (t) => {
  await using fx = await fixture();
  const chunks = [text("part one"), text("part two"), text("part three")];
  await t.step("a stream that errors", async () => {
    await assert.rejects(
      fx.store.put("ext.a", streamOf(chunks, 2), meta("broken")),
      { code: "InvalidInput", message: /stream failed/ },
    );
  });
  await t.step("a stream yielding something other than bytes", async () => {
    const stream = new ReadableStream<unknown>({
      start(controller): void {
        controller.enqueue("text, not bytes");
      },
    }) as ReadableStream<Uint8Array>;
    await assert.rejects(fx.store.put("ext.a", stream, meta("broken")), { code: "InvalidInput" });
  });
  await t.step("an abort while the stream is stalled", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    let cancelled: unknown;
    let pulls = 0;
    const stalled = new ReadableStream<Uint8Array>({
      pull(stream): Promise<void> | void {
        if (++pulls === 1) return stream.enqueue(text("first chunk"));
        controller.abort(reason);
        return new Promise(() => {}); // the next chunk never comes
      },
      cancel(why): void {
        cancelled = why;
      },
    }, { highWaterMark: 0 });
    const put = fx.store.put("ext.a", stalled, meta("broken", { signal: controller.signal }));
    await assert.rejects(put, (error) => error === reason);
    assert.equal(cancelled, reason);
  });
  await t.step("an already aborted signal", async () => {
    const controller = new AbortController();
    controller.abort(new Error("early"));
    await assert.rejects(
      fx.store.put("ext.a", text("bytes"), meta("broken", { signal: controller.signal })),
      /early/,
    );
  });
  assert.deepEqual(await filesUnder(`${fx.root}/blobs`), []);
  assert.deepEqual(await filesUnder(`${fx.root}/tmp`), []);
  assert.deepEqual(fx.store.versions("ext.a", "broken"), []);
  assert.deepEqual(fx.store.search("ext.a"), []);
  assert.equal(fx.db.prepare("SELECT count(*) AS n FROM artifact_blobs").get()?.n, 0);
});

Deno.test("artifactStore.put() numbers versions 1, 2, 3 and never reuses a deleted number", async () => {
  await using fx = await fixture();
  for (const body of ["v1", "v2", "v3"]) await fx.store.put("ext.a", text(body), meta("report"));
  assert.deepEqual(fx.store.versions("ext.a", "report").map((v) => v.version), [1, 2, 3]);
  assert.equal(fx.store.get("ext.a", "report").id, sha256(text("v3")));
  assert.equal(fx.store.get("ext.a", "report", { version: 2 }).id, sha256(text("v2")));
  fx.store.delete("ext.a", "report", { version: 3 });
  assert.equal(fx.store.get("ext.a", "report").version, 2);
  const next = await fx.store.put("ext.a", text("v4"), meta("report"));
  assert.equal(next.version, 4);
  assert.equal((await fx.store.put("ext.b", text("v1"), meta("report"))).version, 1);
});

Deno.test("artifactStore.put() records the metadata it is given, with defaults", async () => {
  await using fx = await fixture();
  fx.clock.now = 5_000.6;
  const full = await fx.store.put("ext.a", text("{}"), {
    name: "scores",
    producer: "ext.a/step-2",
    mediaType: "application/json; charset=utf-8",
    tags: ["nightly", "eval", "nightly"],
    quality: 0.75,
  });
  assert.deepEqual({ ...full, tags: [...full.tags] }, {
    id: sha256(text("{}")),
    namespace: "ext.a",
    name: "scores",
    version: 1,
    size: 2,
    mediaType: "application/json; charset=utf-8",
    tags: ["nightly", "eval"],
    producer: "ext.a/step-2",
    quality: 0.75,
    createdAt: 5_001,
  });
  const bare = await fx.store.put("ext.a", text("x"), meta("bare"));
  assert.equal(bare.mediaType, "application/octet-stream");
  assert.deepEqual(bare.tags, []);
  assert.equal("quality" in bare, false);
  assert.ok(Object.isFrozen(bare));
});

Deno.test("artifactStore.put() rejects bad input with InvalidInput and cancels the stream", async (t) => {
  await using fx = await fixture();
  const cases: { what: string; namespace?: string; options: unknown; message: RegExp }[] = [
    { what: "an empty name", options: meta(""), message: /name must not be empty/ },
    { what: "a control character", options: meta("a\nb"), message: /control/ },
    { what: "a bidi override", options: meta("a\u202eb"), message: /invisible/ },
    { what: "a name too long", options: meta("n".repeat(257)), message: /at most 256/ },
    { what: "no producer", options: { name: "x" }, message: /producer/ },
    { what: "a quality above 1", options: meta("x", { quality: 2 }), message: /quality/ },
    { what: "a NaN quality", options: meta("x", { quality: NaN }), message: /quality/ },
    { what: "a bad media type", options: meta("x", { mediaType: "text" }), message: /media type/ },
    {
      what: "too many tags",
      options: meta("x", { tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }),
      message: /tags must have at most 32/,
    },
    { what: "an empty tag", options: meta("x", { tags: [""] }), message: /tags\.0/ },
    { what: "an unknown option", options: { ...meta("x"), colour: "red" }, message: /colour/ },
    { what: "an empty namespace", namespace: "", options: meta("x"), message: /namespace/ },
  ];
  for (const { what, namespace = "ext.a", options, message } of cases) {
    await t.step(what, async () => {
      let cancelled = false;
      const stream = new ReadableStream<Uint8Array>({
        cancel(): void {
          cancelled = true;
        },
      });
      await assert.rejects(
        fx.store.put(namespace, stream, options as PutOptions),
        (error: { code?: string; message: string }) =>
          error.code === "InvalidInput" && message.test(error.message) &&
          error.message.startsWith("Cannot "),
      );
      assert.equal(cancelled, true);
    });
  }
  await t.step("an input that is neither bytes nor a stream", async () => {
    await assert.rejects(
      fx.store.put("ext.a", "text" as unknown as Uint8Array, meta("x")),
      TypeError,
    );
  });
  assert.deepEqual(fx.store.search("ext.a"), []);
});

Deno.test("artifactStore.search() filters by name prefix, tag, producer and time", async (t) => {
  await using fx = await fixture();
  const at = async (now: number, namespace: string, options: PutOptions): Promise<void> => {
    fx.clock.now = now;
    await fx.store.put(namespace, text(`${namespace}/${options.name}/${now}`), options);
  };
  await at(100, "ext.a", meta("report/daily", { tags: ["nightly"] }));
  await at(200, "ext.a", meta("report/weekly", { producer: "ext.b" }));
  await at(300, "ext.a", meta("Report/upper"));
  await at(400, "ext.a", meta("50%_off", { tags: ["sale", "nightly"] }));
  await at(500, "ext.a", meta("50xyoff"));
  await at(600, "ext.b", meta("report/secret", { tags: ["nightly"] }));
  const cases: { what: string; query: Parameters<ArtifactStore["search"]>[1]; names: string[] }[] =
    [
      {
        what: "no filter: all own, newest first",
        query: {},
        names: ["50xyoff", "50%_off", "Report/upper", "report/weekly", "report/daily"],
      },
      {
        what: "prefix, case-sensitive",
        query: { namePrefix: "report/" },
        names: ["report/weekly", "report/daily"],
      },
      { what: "% and _ are plain characters", query: { namePrefix: "50%_" }, names: ["50%_off"] },
      { what: "tag", query: { tag: "nightly" }, names: ["50%_off", "report/daily"] },
      { what: "producer", query: { producer: "ext.b" }, names: ["report/weekly"] },
      { what: "since is inclusive", query: { since: 400 }, names: ["50xyoff", "50%_off"] },
      { what: "until is exclusive", query: { until: 200 }, names: ["report/daily"] },
      {
        what: "time range and tag",
        query: { since: 150, until: 450, tag: "nightly" },
        names: ["50%_off"],
      },
      { what: "limit", query: { limit: 2 }, names: ["50xyoff", "50%_off"] },
      { what: "nothing matches", query: { namePrefix: "zzz" }, names: [] },
    ];
  for (const { what, query, names } of cases) {
    await t.step(what, () => {
      assert.deepEqual(fx.store.search("ext.a", query).map((v) => v.name), names);
    });
  }
  await t.step("bad filters are InvalidInput", () => {
    for (
      const query of [{ limit: 0 }, { limit: 1.5 }, { since: Infinity }, { tag: "" }, { name: "x" }]
    ) {
      assert.throws(
        () => fx.store.search("ext.a", query as Parameters<ArtifactStore["search"]>[1]),
        { code: "InvalidInput" },
      );
    }
  });
});

Deno.test("artifactStore sees a namespace's own artifacts and those shared with it, nothing else", async (t) => {
  await using fx = await fixture();
  const secret = await fx.store.put("ext.a", text("secret"), meta("plan", { tags: ["x"] }));
  const denied = { code: "PermissionDenied" };
  await t.step("another namespace is refused", async () => {
    assert.throws(() => fx.store.metadata("ext.b", secret.id), denied);
    assert.throws(() => fx.store.get("ext.b", "plan", { owner: "ext.a" }), denied);
    assert.throws(() => fx.store.versions("ext.b", "plan", { owner: "ext.a" }), denied);
    await assert.rejects(fx.store.open("ext.b", secret.id), denied);
    await assert.rejects(fx.store.read("ext.b", secret.id, { length: 3 }), denied);
    assert.deepEqual(fx.store.search("ext.b"), []);
    assert.throws(() => fx.store.get("ext.b", "plan"), { code: "NotFound" });
  });
  await t.step("sharing a name makes it visible to that namespace only", async () => {
    fx.store.share("ext.a", "plan", { with: "ext.b" });
    assert.equal(fx.store.metadata("ext.b", secret.id).name, "plan");
    assert.equal(fx.store.get("ext.b", "plan", { owner: "ext.a" }).id, secret.id);
    assert.deepEqual(await fx.store.read("ext.b", secret.id, { length: 3 }), text("sec"));
    assert.deepEqual(fx.store.search("ext.b", { tag: "x" }).map((v) => v.namespace), ["ext.a"]);
    assert.throws(() => fx.store.metadata("ext.c", secret.id), denied);
  });
  await t.step("sharing covers later versions", async () => {
    const later = await fx.store.put("ext.a", text("secret 2"), meta("plan"));
    assert.equal(fx.store.get("ext.b", "plan", { owner: "ext.a" }).version, later.version);
  });
  await t.step("unsharing refuses again", () => {
    assert.equal(fx.store.unshare("ext.a", "plan", { with: "ext.b" }), true);
    assert.equal(fx.store.unshare("ext.a", "plan", { with: "ext.b" }), false);
    assert.throws(() => fx.store.metadata("ext.b", secret.id), denied);
    assert.deepEqual(fx.store.search("ext.b"), []);
  });
  await t.step("the same content put by both is visible to both as their own", async () => {
    const own = await fx.store.put("ext.b", text("secret"), meta("copy"));
    assert.deepEqual(fx.store.metadata("ext.b", secret.id), own);
    assert.equal(fx.store.metadata("ext.a", secret.id).name, "plan");
  });
  await t.step("bad shares", () => {
    assert.throws(() => fx.store.share("ext.a", "nothing", { with: "ext.b" }), {
      code: "NotFound",
    });
    assert.throws(() => fx.store.share("ext.a", "plan", { with: "ext.a" }), {
      code: "InvalidInput",
    });
    assert.throws(() => fx.store.share("ext.a", "plan", { with: "\u0000" }), {
      code: "InvalidInput",
    });
  });
});

Deno.test("artifactStore names missing versions NotFound and bad versions InvalidInput", async (t) => {
  await using fx = await fixture();
  await fx.store.put("ext.a", text("x"), meta("x"));
  const cases: { what: string; run: () => unknown; code: string }[] = [
    { what: "get() of an unknown name", run: () => fx.store.get("ext.a", "y"), code: "NotFound" },
    {
      what: "get() of a missing version",
      run: () => fx.store.get("ext.a", "x", { version: 2 }),
      code: "NotFound",
    },
    {
      what: "get() of version 0",
      run: () => fx.store.get("ext.a", "x", { version: 0 }),
      code: "InvalidInput",
    },
    {
      what: "pin() of a missing version",
      run: () => fx.store.pin("ext.a", "x", { version: 9 }),
      code: "NotFound",
    },
    {
      what: "unpin() of version 1.5",
      run: () => fx.store.unpin("ext.a", "x", { version: 1.5 }),
      code: "InvalidInput",
    },
    {
      what: "delete() of a missing version",
      run: () => fx.store.delete("ext.a", "x", { version: 9 }),
      code: "NotFound",
    },
    {
      what: "versions() with a control character",
      run: () => fx.store.versions("ext.a", "\u0007"),
      code: "InvalidInput",
    },
  ];
  for (const { what, run, code } of cases) {
    await t.step(what, () => assert.throws(run, { code }));
  }
  assert.throws(() => new ArtifactStore({ root: "x", db: fx.db, cacheSize: 0 }), RangeError);
});
