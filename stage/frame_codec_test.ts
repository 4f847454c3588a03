import assert from "node:assert/strict";
import {
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  FrameDecoder,
  FrameError,
  FrameWriter,
} from "./frame_codec.ts";

/** Concatenates byte arrays, as a stream would deliver them back to back. */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Cuts bytes into chunks of `size` bytes (the last may be shorter). */
function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

/** The UTF-8 bytes of a string. */
function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Checks that `fn` throws the FrameError for a line that does not open an object. */
function assertNotAFrame(fn: () => unknown, label?: string): void {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof FrameError, label);
    assert.equal(error.code, "ProtocolError", label);
    assert.equal(error.message, "Cannot read a frame: it does not start with {", label);
    return true;
  }, label);
}

const MESSAGES: Record<string, unknown>[] = [
  { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocol: 1, settings: {} } },
  { jsonrpc: "2.0", method: "log", params: { level: "info", text: "héllo wörld ☃ 🎻" } },
  { jsonrpc: "2.0", id: 1, result: { methods: ["a", "b"] } },
  { jsonrpc: "2.0", id: 2, error: { code: "PermissionDenied", message: "no" } },
  { null: null, yes: true, no: false, zero: 0, negative: -1.5, huge: 1e300, empty: "" },
  { text: 'a string with \u0000, \n, \r\n, \u2028, \\ and " inside' },
  { "a key with\na newline": "{", "[": "]" },
  { list: [], nested: [1, [2, [3, { deep: "x".repeat(300) }]]] },
  {},
];

Deno.test("encodeFrame() writes the UTF-8 JSON then one newline", async (t) => {
  await t.step("a message", () => {
    assert.deepEqual(encodeFrame({ a: "é" }), utf8('{"a":"é"}\n'));
  });
  await t.step("newlines inside strings are escaped, so the frame is one line", () => {
    const frame = encodeFrame({ "k\n": "a\nb\r\n" });
    assert.deepEqual(frame, utf8('{"k\\n":"a\\nb\\r\\n"}\n'));
    assert.equal(frame.indexOf(0x0a), frame.length - 1);
  });
});

Deno.test("encodeFrame() throws TypeError for a message that is not a JSON object", async (t) => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const cases: [string, unknown][] = [
    ["an array", [1]],
    ["an empty array", []],
    ["a number", 1],
    ["a string that looks like an object", "{}"],
    ["null", null],
    ["a boolean", true],
    ["undefined", undefined],
    ["a function", () => {}],
    ["a symbol", Symbol("s")],
    ["a bigint", 1n],
    ["an object holding a bigint", { id: 1n }],
    ["an object with a cycle", cycle],
    ["a Date, whose JSON is a string", new Date(0)],
    ["an object whose toJSON() returns an array", { toJSON: () => [1] }],
  ];
  for (const [name, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => encodeFrame(message), (error) => {
        assert.ok(error instanceof TypeError, String(error));
        return true;
      });
    });
  }
});

Deno.test("encodeFrame() accepts a message exactly at the limit and refuses one byte over", async (t) => {
  // '{"a":""}' is 8 bytes; "é" is 2 bytes in UTF-8, "☃" 3 and "🎻" 4 (two UTF-16 units).
  await t.step("exactly at the limit is encoded", () => {
    assert.equal(encodeFrame({ a: "xx" }, { maxFrameBytes: 10 }).length, 11);
    assert.equal(encodeFrame({ a: "é" }, { maxFrameBytes: 10 }).length, 11);
  });
  await t.step("one byte over is refused", () => {
    assert.throws(() => encodeFrame({ a: "xxx" }, { maxFrameBytes: 10 }), {
      name: "FrameError",
      code: "ProtocolError",
      message: "Cannot send a message of 11 bytes: the frame limit is 10",
    });
  });
  await t.step("bytes, not characters, are counted", async (t) => {
    const cases: [string, Record<string, unknown>, number][] = [
      ["10 characters, 12 bytes", { a: "éé" }, 12],
      ["9 characters, 11 bytes", { a: "☃" }, 11],
      ["10 UTF-16 units, 12 bytes", { a: "🎻" }, 12],
    ];
    for (const [name, message, bytes] of cases) {
      await t.step(name, () => {
        assert.throws(() => encodeFrame(message, { maxFrameBytes: 10 }), {
          name: "FrameError",
          message: `Cannot send a message of ${bytes} bytes: the frame limit is 10`,
        });
      });
    }
  });
  await t.step("the error names the message's size in bytes", () => {
    // This JSON is 28 UTF-16 units but 48 bytes: the message must say 48.
    const message = { a: "é".repeat(20) };
    assert.equal(utf8(JSON.stringify(message)).length, 48);
    assert.throws(() => encodeFrame(message, { maxFrameBytes: 10 }), {
      name: "FrameError",
      message: "Cannot send a message of 48 bytes: the frame limit is 10",
    });
  });
});

Deno.test("FrameDecoder round-trips messages holding every JSON kind", () => {
  const decoder = new FrameDecoder();
  const bytes = concat(MESSAGES.map((message) => encodeFrame(message)));
  assert.deepEqual(decoder.push(bytes), MESSAGES);
  assert.equal(decoder.pending, 0);
});

Deno.test("FrameDecoder reassembles frames split at every byte boundary", async (t) => {
  const bytes = concat(MESSAGES.map((message) => encodeFrame(message)));
  await t.step("two chunks, split at each offset", () => {
    // A trailing empty chunk (cut === bytes.length) is the step "an empty chunk after a whole frame".
    for (let cut = 0; cut < bytes.length; cut++) {
      const decoder = new FrameDecoder();
      const got = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      assert.deepEqual(got, MESSAGES, `split at ${cut}`);
      assert.equal(decoder.pending, 0, `split at ${cut}`);
    }
  });
  await t.step("one byte per chunk", () => {
    const decoder = new FrameDecoder();
    const got: unknown[] = [];
    for (let i = 0; i < bytes.length; i++) got.push(...decoder.push(bytes.subarray(i, i + 1)));
    assert.deepEqual(got, MESSAGES);
    assert.equal(decoder.pending, 0);
  });
  await t.step("empty chunks in a fresh decoder and mid-frame change nothing", () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame({ a: 1 });
    assert.deepEqual(decoder.push(new Uint8Array(0)), []);
    assert.deepEqual(decoder.push(frame.subarray(0, 2)), []);
    assert.deepEqual(decoder.push(new Uint8Array(0)), []);
    assert.equal(decoder.pending, 2);
    assert.deepEqual(decoder.push(frame.subarray(2)), [{ a: 1 }]);
    assert.equal(decoder.pending, 0);
  });
  await t.step("an empty chunk after a whole frame changes nothing", () => {
    // An empty read must not make the decoder look at bytes it already consumed.
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(encodeFrame({ a: 1 })), [{ a: 1 }]);
    assert.deepEqual(decoder.push(new Uint8Array(0)), []);
    assert.equal(decoder.pending, 0);
  });
});

Deno.test("FrameDecoder returns every frame of a chunk that holds many, in order", () => {
  const messages = Array.from({ length: 1000 }, (_, i) => ({ jsonrpc: "2.0", id: i }));
  const decoder = new FrameDecoder();
  assert.deepEqual(decoder.push(concat(messages.map((m) => encodeFrame(m)))), messages);
  assert.equal(decoder.pending, 0);
});

Deno.test("FrameDecoder keeps a trailing partial frame until its bytes arrive", () => {
  const first = encodeFrame({ n: 1 });
  const second = encodeFrame({ n: 2 });
  const decoder = new FrameDecoder();
  assert.deepEqual(decoder.push(concat([first, second.subarray(0, 6)])), [{ n: 1 }]);
  assert.equal(decoder.pending, 6);
  assert.deepEqual(decoder.push(second.subarray(6, 7)), []);
  assert.equal(decoder.pending, 7);
  assert.deepEqual(decoder.push(second.subarray(7)), [{ n: 2 }]);
  assert.equal(decoder.pending, 0);
});

Deno.test("FrameDecoder reads frames larger than its initial 64 KiB buffer", () => {
  const big = { text: "x".repeat(200 * 1024), more: "é".repeat(50 * 1024) };
  const bytes = concat([encodeFrame({ n: 1 }), encodeFrame(big), encodeFrame({ n: 2 })]);
  const decoder = new FrameDecoder();
  const got: unknown[] = [];
  for (let i = 0; i < bytes.length; i += 7919) {
    got.push(...decoder.push(bytes.subarray(i, i + 7919)));
  }
  assert.deepEqual(got, [{ n: 1 }, big, { n: 2 }]);
  assert.equal(decoder.pending, 0);
});

Deno.test("FrameDecoder holds only the unfinished frame while many small frames stream", async (t) => {
  // 20 000 frames of 19 to 23 bytes: what is pending must stay below one frame
  // and drop back to 0 whenever a chunk ends on a frame's end, never accumulate.
  const frames = Array.from({ length: 20_000 }, (_, i) => encodeFrame({ id: i, pad: "p" }));
  const largest = Math.max(...frames.map((frame) => frame.length));
  const cases: [string, Uint8Array[]][] = [
    ["chunks of 13 bytes, off the frame grid", chunked(concat(frames), 13)],
    [
      "chunks of four whole frames",
      Array.from({ length: frames.length / 4 }, (_, i) => concat(frames.slice(i * 4, i * 4 + 4))),
    ],
  ];
  for (const [name, chunks] of cases) {
    await t.step(name, () => {
      const decoder = new FrameDecoder();
      let count = 0;
      let maxPending = 0;
      let emptied = 0;
      for (const chunk of chunks) {
        for (const message of decoder.push(chunk)) {
          assert.deepEqual(message, { id: count, pad: "p" });
          count++;
        }
        maxPending = Math.max(maxPending, decoder.pending);
        if (decoder.pending === 0) emptied++;
      }
      assert.equal(count, frames.length);
      assert.equal(decoder.pending, 0);
      assert.ok(maxPending < largest, `pending reached ${maxPending} bytes`);
      assert.ok(emptied > 100, `pending was 0 after only ${emptied} chunks`);
    });
  }
});

Deno.test("FrameDecoder accepts a frame exactly at the limit and refuses one byte over, counting bytes", async (t) => {
  // '{"a":""}' is 8 bytes; "é" is 2 bytes in UTF-8, "☃" 3 and "🎻" 4 (two UTF-16 units).
  const cases: [string, Record<string, unknown>, "accept" | "refuse"][] = [
    ["10 ASCII bytes", { a: "xx" }, "accept"],
    ["11 ASCII bytes", { a: "xxx" }, "refuse"],
    ["9 characters, 10 bytes", { a: "é" }, "accept"],
    ["10 characters, 12 bytes", { a: "éé" }, "refuse"],
    ["9 characters, 11 bytes", { a: "☃" }, "refuse"],
    ["10 UTF-16 units, 12 bytes", { a: "🎻" }, "refuse"],
  ];
  for (const [name, message, outcome] of cases) {
    await t.step(name, () => {
      const frame = utf8(`${JSON.stringify(message)}\n`);
      const bytes = frame.length - 1;
      if (outcome === "accept") {
        assert.deepEqual(new FrameDecoder({ maxFrameBytes: 10 }).push(frame), [message]);
        for (let cut = 0; cut < frame.length; cut++) {
          const decoder = new FrameDecoder({ maxFrameBytes: 10 });
          const got = [
            ...decoder.push(frame.subarray(0, cut)),
            ...decoder.push(frame.subarray(cut)),
          ];
          assert.deepEqual(got, [message], `split at ${cut}`);
        }
      } else {
        assert.throws(() => new FrameDecoder({ maxFrameBytes: 10 }).push(frame), {
          name: "FrameError",
          code: "ProtocolError",
          message: `Cannot read a frame of ${bytes} bytes or more: the limit is 10`,
        });
        for (let cut = 0; cut <= frame.length; cut++) {
          const decoder = new FrameDecoder({ maxFrameBytes: 10 });
          assert.throws(
            () => [decoder.push(frame.subarray(0, cut)), decoder.push(frame.subarray(cut))],
            { name: "FrameError", message: /^Cannot read a frame of 1[12] bytes or more: / },
            `split at ${cut}`,
          );
        }
      }
    });
  }
});

Deno.test("FrameDecoder refuses a line that does not start with { as soon as it begins", async (t) => {
  const frame = encodeFrame({ n: 1 });
  const cases: [string, Uint8Array][] = [
    ["binary 0xFF bytes", new Uint8Array([0xff, 0xff, 0xff, 0x0a])],
    ["text", utf8("hello\n")],
    ["an array", utf8("[1]\n")],
    ["a JSON string", utf8('"{}"\n')],
    ["an empty line", utf8("\n")],
    ["a space before the object", utf8(" {}\n")],
    ["a byte order mark before the object", utf8("\ufeff{}\n")],
  ];
  for (const [name, line] of cases) {
    await t.step(name, () => {
      const decoder = (): FrameDecoder => new FrameDecoder();
      // A fresh decoder given only the first byte: no newline needed to refuse it.
      assertNotAFrame(() => decoder().push(line.subarray(0, 1)), "first byte at the start");
      assertNotAFrame(() => decoder().push(line), "whole line at the start");
      assertNotAFrame(
        () => decoder().push(concat([frame, line.subarray(0, 1)])),
        "first byte after a valid frame in the same chunk",
      );
      assertNotAFrame(
        () => decoder().push(concat([frame, frame, line])),
        "whole line after valid frames in the same chunk",
      );
      const later = decoder();
      assert.deepEqual(later.push(frame), [{ n: 1 }]);
      assertNotAFrame(() => later.push(line.subarray(0, 1)), "at the start of a later chunk");
      const split = decoder();
      assert.deepEqual(split.push(frame.subarray(0, 3)), []);
      assertNotAFrame(
        () => split.push(concat([frame.subarray(3), line.subarray(0, 1)])),
        "after the newline ending a frame begun in an earlier chunk",
      );
    });
  }
});

Deno.test("FrameDecoder refuses a partial line over the limit before its newline arrives", async (t) => {
  await t.step("the default limit, in one chunk", () => {
    const partial = new Uint8Array(DEFAULT_MAX_FRAME_BYTES + 1).fill(0x78);
    partial[0] = 0x7b;
    assert.throws(() => new FrameDecoder().push(partial), {
      name: "FrameError",
      code: "ProtocolError",
      message: `Cannot read a frame of ${DEFAULT_MAX_FRAME_BYTES + 1} bytes or more: ` +
        `the limit is ${DEFAULT_MAX_FRAME_BYTES}`,
    });
  });
  await t.step("on the byte that passes the limit, one byte per chunk", () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 10 });
    for (const byte of utf8('{"a":"xx"}')) assert.deepEqual(decoder.push(Uint8Array.of(byte)), []);
    assert.equal(decoder.pending, 10);
    assert.throws(() => decoder.push(utf8(" ")), {
      name: "FrameError",
      message: "Cannot read a frame of 11 bytes or more: the limit is 10",
    });
  });
  await t.step("after a valid frame in an earlier chunk", () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 10 });
    assert.deepEqual(decoder.push(encodeFrame({})), [{}]);
    assert.throws(() => decoder.push(utf8(`{"a":"${"x".repeat(100)}`)), FrameError);
  });
  await t.step("after a valid frame in the same chunk", () => {
    // The partial line after a whole frame is over the limit already: refused now.
    const decoder = new FrameDecoder({ maxFrameBytes: 10 });
    assert.throws(
      () => decoder.push(concat([encodeFrame({}), utf8(`{"a":"${"x".repeat(100)}`)])),
      FrameError,
    );
  });
});

Deno.test("FrameDecoder refuses a line that is not UTF-8 JSON", async (t) => {
  const bytes = (...parts: (string | number[])[]): Uint8Array =>
    concat(parts.map((part) => typeof part === "string" ? utf8(part) : Uint8Array.from(part)));
  const cases: [string, Uint8Array, "UTF-8" | "JSON"][] = [
    ["invalid UTF-8 byte", bytes('{"a":"', [0xff], '"}\n'), "UTF-8"],
    ["truncated UTF-8 sequence", bytes('{"a":"', [0xc3], '"}\n'), "UTF-8"],
    ["UTF-16 surrogate encoded as UTF-8", bytes('{"a":"', [0xed, 0xa0, 0x80], '"}\n'), "UTF-8"],
    ["overlong UTF-8 encoding", bytes('{"a":"', [0xc0, 0xaf], '"}\n'), "UTF-8"],
    ["not JSON", utf8("{hello}\n"), "JSON"],
    ["truncated JSON", utf8('{"a":\n'), "JSON"],
    ["two JSON objects on one line", utf8("{} {}\n"), "JSON"],
    ["an object then text", utf8('{"a":1}x\n'), "JSON"],
  ];
  for (const [name, line, what] of cases) {
    await t.step(name, () => {
      for (const input of [line, concat([encodeFrame({ n: 1 }), line])]) {
        assert.throws(() => new FrameDecoder().push(input), (error) => {
          assert.ok(error instanceof FrameError);
          assert.equal(error.code, "ProtocolError");
          assert.equal(error.message, `Cannot read a frame: it is not ${what}`);
          assert.ok(error.cause instanceof Error, "keeps the parser's error as cause");
          return true;
        });
      }
    });
  }
});

/** A sink that records each write. */
function recordingSink(): { writes: Uint8Array[]; write(bytes: Uint8Array): Promise<void> } {
  const writes: Uint8Array[] = [];
  return { writes, write: (bytes) => Promise.resolve(void writes.push(bytes.slice())) };
}

Deno.test("FrameWriter batches the frames sent in one tick into one write", async () => {
  const sink = recordingSink();
  const writer = new FrameWriter(sink);
  const messages = Array.from({ length: 50 }, (_, i) => ({ id: i, text: "é\n" }));
  for (const message of messages) writer.send(message);
  assert.equal(sink.writes.length, 0, "nothing is written synchronously");
  await writer.flushed();
  assert.equal(sink.writes.length, 1);
  assert.deepEqual(sink.writes[0], concat(messages.map((m) => encodeFrame(m))));
});

Deno.test("FrameWriter.flush() writes what is queued before the tick ends, and nothing twice", async () => {
  const sink = recordingSink();
  const writer = new FrameWriter(sink);
  writer.send({ n: 1 });
  writer.send({ n: 2 });
  writer.flush();
  assert.equal(sink.writes.length, 1, "the queued frames are handed over synchronously");
  writer.flush();
  writer.send({ n: 3 });
  await writer.flushed();
  assert.equal(sink.writes.length, 2, "an empty flush writes nothing");
  const decoder = new FrameDecoder();
  assert.deepEqual(sink.writes.flatMap((bytes) => decoder.push(bytes)), [{ n: 1 }, { n: 2 }, {
    n: 3,
  }]);
});

Deno.test("FrameWriter keeps order across ticks, even when the sink is slow", async () => {
  // A sink whose writes finish only when the test says so, to show writes never overlap.
  const writes: Uint8Array[] = [];
  const finish: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const writer = new FrameWriter({
    write(bytes): Promise<void> {
      writes.push(bytes.slice());
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve) => finish.push(() => (inFlight--, resolve())));
    },
  });
  writer.send({ n: 1 });
  writer.send({ n: 2 });
  await Promise.resolve();
  await Promise.resolve();
  writer.send({ n: 3 });
  const done = writer.flushed();
  // Finish writes one by one as they start (bounded, so a stuck writer fails rather than hangs).
  for (let turn = 0; turn < 100 && (writes.length < 2 || finish.length > 0); turn++) {
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    finish.shift()?.();
  }
  await done;
  assert.equal(writes.length, 2);
  assert.equal(maxInFlight, 1, "a write starts only after the previous one finished");
  const decoder = new FrameDecoder();
  assert.deepEqual(writes.flatMap((bytes) => decoder.push(bytes)), [{ n: 1 }, { n: 2 }, { n: 3 }]);
});

Deno.test("FrameWriter writes each tick's frames separately, in send order", async () => {
  const sink = recordingSink();
  const writer = new FrameWriter(sink);
  for (let tick = 0; tick < 5; tick++) {
    writer.send({ tick, n: 0 });
    writer.send({ tick, n: 1 });
    await writer.flushed();
  }
  assert.equal(sink.writes.length, 5);
  const decoder = new FrameDecoder();
  const got = sink.writes.flatMap((bytes) => decoder.push(bytes));
  const expected = Array.from({ length: 5 }, (_, tick) => [{ tick, n: 0 }, { tick, n: 1 }]).flat();
  assert.deepEqual(got, expected);
});

Deno.test("FrameWriter.send() refuses a bad message and writes the others", async (t) => {
  const cases: [string, unknown, new (message: string) => Error][] = [
    ["one byte over the limit", { a: "xxx" }, FrameError],
    ["over the limit in bytes, not characters", { a: "éé" }, FrameError],
    ["an array", [1], TypeError],
    ["a number", 1, TypeError],
    ["a bigint", 1n, TypeError],
    [
      "an object with a cycle",
      (() => {
        const cycle: Record<string, unknown> = {};
        cycle.self = cycle;
        return cycle;
      })(),
      TypeError,
    ],
  ];
  for (const [name, message, errorClass] of cases) {
    await t.step(name, async () => {
      const sink = recordingSink();
      const writer = new FrameWriter(sink, { maxFrameBytes: 10 });
      writer.send({ a: "xx" });
      assert.throws(() => writer.send(message), errorClass);
      writer.send({});
      await writer.flushed();
      assert.equal(sink.writes.length, 1);
      assert.deepEqual(new FrameDecoder().push(concat(sink.writes)), [{ a: "xx" }, {}]);
    });
  }
});

Deno.test("FrameWriter.flushed() rejects after a failed write, with no unhandled rejection", async (t) => {
  const unhandled: unknown[] = [];
  const onRejection = (event: PromiseRejectionEvent): void => {
    unhandled.push(event.reason);
    event.preventDefault();
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  try {
    const cases: [string, (bytes: Uint8Array) => Promise<void>][] = [
      ["rejecting sink", () => Promise.reject(new Error("peer gone"))],
      ["throwing sink", () => {
        throw new Error("peer gone");
      }],
    ];
    for (const [name, write] of cases) {
      await t.step(name, async () => {
        let attempts = 0;
        const writer = new FrameWriter({
          write(bytes): Promise<void> {
            attempts++;
            return write(bytes);
          },
        });
        writer.send({ n: 1 });
        // One turn of the event loop, where Deno reports unhandled rejections.
        await new Promise((resolve) => setTimeout(resolve, 0));
        await assert.rejects(writer.flushed(), { message: "peer gone" });
        writer.send({ n: 2 });
        await assert.rejects(writer.flushed(), { message: "peer gone" });
        assert.equal(attempts, 1, "no write is attempted after a failure");
        await new Promise((resolve) => setTimeout(resolve, 0));
      });
    }
  } finally {
    globalThis.removeEventListener("unhandledrejection", onRejection);
  }
  assert.deepEqual(unhandled, []);
});
