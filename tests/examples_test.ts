// The example extensions in stage/examples, each installed into a temporary
// $SYMPHONY_HOME and run in its own sandboxed process as a user would run it:
// their results are exact, their sandbox holds, and the host checks the
// schemas they declare.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Conductor } from "../conductor/mod.ts";
import { installExtension } from "../kit/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import { motifTree } from "../ui/server/_motif_tree.ts";
import { tempDir } from "./temp_dir.ts";

const EXAMPLES = new URL("../stage/examples/", import.meta.url).pathname;

interface Host extends AsyncDisposable {
  conductor: Conductor;
  /** The temporary directory holding the home and the workspace. */
  root: string;
  home: string;
  workspace: string;
}

/** Installs one example into a fresh home, with an empty workspace beside it. */
async function hostWith(example: string): Promise<Host> {
  const dir = await tempDir();
  const root = await Deno.realPath(dir.path);
  const home = join(root, "home");
  const workspace = join(root, "workspace");
  await Deno.mkdir(workspace);
  const conductor = new Conductor({
    home,
    workspace,
    hostEnv: { PATH: Deno.env.get("PATH") ?? "" },
  });
  try {
    const record = await installExtension(join(EXAMPLES, example), {
      conductor,
      confirm: () => Promise.resolve(true),
    });
    assert.ok(record, `${example} was not installed`);
  } catch (error) {
    await dir[Symbol.asyncDispose]();
    throw error;
  }
  return {
    conductor,
    root,
    home,
    workspace,
    async [Symbol.asyncDispose](): Promise<void> {
      await conductor.stopAll();
      await dir[Symbol.asyncDispose]();
    },
  };
}

async function assertFails(
  promise: Promise<unknown>,
  codes: string | string[],
  message?: RegExp,
): Promise<void> {
  const expected = typeof codes === "string" ? [codes] : codes;
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SymphonyError, `expected a SymphonyError, got ${error}`);
    assert.ok(expected.includes(error.code), `expected ${expected.join(" or ")}: ${error.message}`);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

function assertSumsToOne(scores: Record<string, number>): void {
  const values = Object.values(scores);
  for (const value of values) assert.ok(value >= 0 && value <= 1, `score ${value} out of [0, 1]`);
  const sum = values.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-9, `scores sum to ${sum}`);
}

Deno.test("text-tools counts and normalizes workspace files, and only those", async (t) => {
  await using host = await hostWith("text-tools");
  const id = "symphony.text-tools";
  const { conductor, workspace } = host;
  await Deno.mkdir(join(workspace, "notes"));
  // 2 lines; 5 words; 28 code points; ü and ß take 2 bytes, 👋 takes 4: 33 bytes.
  await Deno.writeTextFile(
    join(workspace, "notes", "greeting.txt"),
    "Grüße, Welt! 👋\nzweite Zeile\n",
  );
  // CRLF line ends, trailing spaces and tabs on 4 lines, and blank lines at the end.
  const messy = "title  \r\n\tindented line\t\r\nclean line\nlast   \n\n \n";
  await Deno.writeTextFile(join(workspace, "notes", "messy.md"), messy);
  await Deno.writeTextFile(join(host.root, "outside.txt"), "not in the workspace\n");

  await t.step("stats counts exactly, by path relative to the workspace", async () => {
    assert.deepEqual(await conductor.call(id, "stats", { path: "notes/greeting.txt" }), {
      path: "notes/greeting.txt",
      lines: 2,
      words: 5,
      chars: 28,
      bytes: 33,
    });
  });

  await t.step("stats counts a last line without a final newline, and an empty file", async () => {
    await Deno.writeTextFile(join(workspace, "no-newline.txt"), "one two\nthree");
    await Deno.writeTextFile(join(workspace, "empty.txt"), "");
    assert.deepEqual(await conductor.call(id, "stats", { path: "no-newline.txt" }), {
      path: "no-newline.txt",
      lines: 2,
      words: 3,
      chars: 13,
      bytes: 13,
    });
    assert.deepEqual(await conductor.call(id, "stats", { path: "empty.txt" }), {
      path: "empty.txt",
      lines: 0,
      words: 0,
      chars: 0,
      bytes: 0,
    });
  });

  await t.step("normalize trims, turns CRLF into LF and keeps one final newline", async () => {
    assert.deepEqual(await conductor.call(id, "normalize", { path: "notes/messy.md" }), {
      text: "title\n\tindented line\nclean line\nlast\n",
      changed: true,
      trimmed_lines: 4,
    });
    assert.equal(await Deno.readTextFile(join(workspace, "notes", "messy.md")), messy);
  });

  await t.step("normalize reports a tidy file as unchanged", async () => {
    assert.deepEqual(await conductor.call(id, "normalize", { path: "notes/greeting.txt" }), {
      text: "Grüße, Welt! 👋\nzweite Zeile\n",
      changed: false,
      trimmed_lines: 0,
    });
  });

  await t.step(
    "normalize with save writes into its data directory, not the workspace",
    async () => {
      const result = await conductor.call(id, "normalize", { path: "notes/messy.md", save: true });
      const saved = join(host.home, "data", id, "normalized", "notes", "messy.md");
      assert.equal((result as { saved_to?: string }).saved_to, saved);
      assert.equal(await Deno.readTextFile(saved), "title\n\tindented line\nclean line\nlast\n");
      assert.equal(await Deno.readTextFile(join(workspace, "notes", "messy.md")), messy);
    },
  );

  await t.step("a file outside the workspace is PermissionDenied by the sandbox", async () => {
    for (const path of ["../outside.txt", join(host.root, "outside.txt"), "/etc/passwd"]) {
      await assertFails(
        conductor.call(id, "stats", { path }),
        "PermissionDenied",
        /Requires read access/,
      );
    }
    await assertFails(
      conductor.call(id, "normalize", { path: "../outside.txt", save: true }),
      "PermissionDenied",
      /Requires read access/,
    );
  });

  await t.step("an input of the wrong shape is InvalidInput from the declared schema", async () => {
    const wrong: [string, unknown][] = [
      ["stats", { file: "notes/greeting.txt" }],
      ["stats", { path: 42 }],
      ["stats", { path: "" }],
      ["stats", { path: "notes/greeting.txt", extra: true }],
      ["stats", "notes/greeting.txt"],
      ["normalize", { path: "notes/messy.md", save: "yes" }],
    ];
    for (const [method, input] of wrong) {
      await assertFails(
        conductor.call(id, method, input),
        "InvalidInput",
        new RegExp(`Cannot accept the input of ${id} ${method}`),
      );
    }
  });

  await t.step("a missing file is the extension's error, and it keeps serving", async () => {
    await assertFails(
      conductor.call(id, "stats", { path: "notes/missing.txt" }),
      "ExtensionError",
      /No such file/,
    );
    const stats = await conductor.call(id, "stats", { path: "notes/greeting.txt" });
    assert.equal((stats as { words: number }).words, 5);
  });

  await t.step("a file that is not UTF-8 text is refused by name", async () => {
    await Deno.writeFile(join(workspace, "image.bin"), new Uint8Array([0xff, 0xfe, 0x00, 0xc3]));
    await assertFails(
      conductor.call(id, "stats", { path: "image.bin" }),
      "ExtensionError",
      /Cannot read .*image\.bin: it is not UTF-8 text/,
    );
  });
});

Deno.test("sentiment trains its local model at start and classifies text", async (t) => {
  await using host = await hostWith("sentiment");
  const id = "symphony.sentiment";
  const { conductor } = host;
  type Classification = { label: string; scores: Record<string, number> };
  const classify = async (text: string): Promise<Classification> =>
    await conductor.call(id, "classify", { text }) as Classification;

  await t.step("it trained on the bundled data", async () => {
    const info = await conductor.call(id, "info", null) as Record<string, unknown>;
    assert.deepEqual(info["labels"], ["positive", "negative"]);
    assert.equal(info["examples"], 60);
    assert.ok((info["vocabulary"] as number) > 100, `vocabulary ${info["vocabulary"]}`);
  });

  const cases: [string, string][] = [
    ["I love it, the staff were wonderful and friendly!", "positive"],
    ["A brilliant, beautiful film with a perfect ending.", "positive"],
    ["Fast delivery and excellent quality, highly recommended.", "positive"],
    ["Terrible service: rude staff and the food was cold.", "negative"],
    ["Slow, buggy and frustrating, a waste of money.", "negative"],
    ["The room was dirty and noisy, an awful stay.", "negative"],
  ];
  for (const [text, label] of cases) {
    await t.step(`"${text}" is ${label}`, async () => {
      const result = await classify(text);
      assert.equal(result.label, label, JSON.stringify(result.scores));
      assert.deepEqual(Object.keys(result.scores).sort(), ["negative", "positive"]);
      assert.ok((result.scores[label] ?? 0) > 0.8, JSON.stringify(result.scores));
      assertSumsToOne(result.scores);
    });
  }

  await t.step("negation turns a positive word around", async () => {
    assert.equal((await classify("The food was good.")).label, "positive");
    assert.equal((await classify("The food was not good.")).label, "negative");
    assert.equal((await classify("I would not recommend it.")).label, "negative");
  });

  await t.step("text the model knows nothing about is neutral, at the priors", async () => {
    for (const text of ["qwerty zxcv", ""]) {
      const result = await classify(text);
      assert.equal(result.label, "neutral");
      assert.deepEqual(result.scores, { positive: 0.5, negative: 0.5 });
    }
  });

  await t.step("explain ranks the words that decided, and lists the unknown ones", async () => {
    const result = await conductor.call(id, "explain", { text: "Rude staff, qwerty food." }) as {
      label: string;
      scores: Record<string, number>;
      tokens: { token: string; favors: string; weight: number }[];
      ignored: string[];
    };
    assert.equal(result.label, "negative");
    assertSumsToOne(result.scores);
    assert.deepEqual(result.tokens[0]?.token, "rude");
    assert.equal(result.tokens[0]?.favors, "negative");
    const weights = result.tokens.map((token) => token.weight);
    assert.deepEqual(weights, [...weights].sort((a, b) => b - a));
    assert.deepEqual(result.ignored, ["qwerty"]);
  });

  await t.step("an input without text is refused and the model keeps serving", async () => {
    // The host checks only operator schemas so far; the instrument checks its input itself.
    await assertFails(
      conductor.call(id, "classify", { words: "great" }),
      ["InvalidInput", "ExtensionError"],
      /text/,
    );
    assert.equal((await classify("excellent, great and wonderful")).label, "positive");
  });
});

Deno.test("word-count-panel contributes a panel and a command that count text", async (t) => {
  await using host = await hostWith("word-count-panel");
  const id = "symphony.word-count-panel";
  const { conductor } = host;
  // 8 words; 3 sentences; 2 lines; "cafe" + a combining accent and 👍🏽 are one character each.
  const text = "Hello, world! This is Symphony.\nSecond line: cafe\u0301 👍🏽.\n";

  await t.step("the manifest contributes the panel, the command and its keybinding", async () => {
    const { manifest } = await conductor.get(id);
    assert.deepEqual(manifest.motif?.panels, [
      { id: "stats", title: "Word Count", location: "sidebar" },
    ]);
    assert.deepEqual(manifest.motif?.commands, [
      { id: "symphony.word-count-panel.count", title: "Count words", keybinding: "ctrl+alt+w" },
    ]);
    assert.deepEqual((await conductor.start(id)).methods.toSorted(), [
      "count",
      "event",
      "panel.stats",
      "render",
    ]);
  });

  await t.step("count counts words, sentences, lines and graphemes", async () => {
    assert.deepEqual(await conductor.call(id, "count", { text }), {
      words: 8,
      sentences: 3,
      lines: 2,
      chars: 53,
      reading_minutes: 1,
    });
    assert.deepEqual(await conductor.call(id, "count", { text: "" }), {
      words: 0,
      sentences: 0,
      lines: 0,
      chars: 0,
      reading_minutes: 0,
    });
  });

  await t.step("the reading time follows words_per_minute (200 by default)", async () => {
    const long = "word ".repeat(401);
    const counts = await conductor.call(id, "count", { text: long }) as Record<string, number>;
    assert.equal(counts["words"], 401);
    assert.equal(counts["reading_minutes"], 3);
  });

  await t.step("panel.stats describes the panel's rows", async () => {
    assert.deepEqual(await conductor.call(id, "panel.stats", { text }), {
      title: "Word Count",
      items: [
        { label: "Words", value: "8" },
        { label: "Sentences", value: "3" },
        { label: "Characters", value: "53" },
        { label: "Lines", value: "2" },
        { label: "Reading time", value: "1 min" },
      ],
    });
    const empty = await conductor.call(id, "panel.stats", { text: "" }) as {
      items: { label: string; value: string }[];
    };
    assert.deepEqual(empty.items.at(-1), { label: "Reading time", value: "—" });
  });

  await t.step("its web UI panel counts what is typed, as the host's check allows", async () => {
    type Tree = { children: { type: string; props: { rows?: unknown[][] } }[] };
    const rows = (tree: unknown): unknown[][] =>
      (motifTree(tree, "render") as unknown as Tree).children
        .find((node) => node.type === "table")?.props.rows ?? [];
    assert.deepEqual(rows(await conductor.call(id, "render", null)).at(0), ["Words", "0"]);
    const typed = await conductor.call(id, "event", {
      id: "text",
      kind: "input",
      value: "word ".repeat(401),
    });
    assert.deepEqual(rows(typed).at(0), ["Words", "401"]);
    assert.deepEqual(rows(typed).at(-1), ["Reading time", "3 min"]);
    // A setting changed while it runs is used by the next render.
    await conductor.setSettings(id, "user", { words_per_minute: 1000, show_lines: false });
    const tuned = rows(await conductor.call(id, "render", null));
    assert.deepEqual(tuned.at(-1), ["Reading time", "1 min"]);
    assert.equal(tuned.some((row) => row[0] === "Lines"), false);
    const cleared = await conductor.call(id, "event", { id: "clear", kind: "click" });
    assert.deepEqual(rows(cleared).at(0), ["Words", "0"]);
    await conductor.setSettings(id, "user", { words_per_minute: undefined, show_lines: undefined });
  });

  await t.step("an input without text is refused and the motif keeps serving", async () => {
    await assertFails(conductor.call(id, "count", { words: 3 }), "ExtensionError", /text/);
    const counts = await conductor.call(id, "count", { text: "one two" }) as Record<string, number>;
    assert.equal(counts["words"], 2);
  });
});
