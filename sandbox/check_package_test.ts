import assert from "node:assert/strict";
import { join } from "node:path";
import { SymphonyError } from "../symphony_error.ts";
import { tempDir } from "../tests/temp_dir.ts";
import { checkPackage } from "./check_package.ts";

/** Asserts that `checkPackage(dir)` refuses the package, naming `offending` and `why`. */
async function assertRefused(dir: string, offending: string, why: RegExp): Promise<void> {
  await assert.rejects(checkPackage(dir), (error) => {
    assert.ok(error instanceof SymphonyError, String(error));
    assert.equal(error.code, "InvalidManifest");
    assert.ok(
      error.message.startsWith(`Cannot install ${dir}: ${offending} `),
      `${error.message} should name ${offending}`,
    );
    assert.match(error.message, why);
    return true;
  });
}

async function mkfifo(path: string): Promise<void> {
  const { code, stderr } = await new Deno.Command("mkfifo", { args: [path], stderr: "piped" })
    .output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
}

Deno.test("checkPackage() lists the files, relative and sorted", async () => {
  await using dir = await tempDir();
  for (
    const file of ["src/z.ts", "extension.toml", "src/a/b.ts", "README.md", "a.ts", "src/a.ts"]
  ) {
    await dir.write(file, "x");
  }
  assert.deepEqual(await checkPackage(dir.path), [
    "README.md",
    "a.ts",
    "extension.toml",
    "src/a.ts",
    "src/a/b.ts",
    "src/z.ts",
  ]);
});

Deno.test("checkPackage() accepts empty directories and lists no entry for them", async (t) => {
  await t.step("an empty package", async () => {
    await using dir = await tempDir();
    assert.deepEqual(await checkPackage(dir.path), []);
  });
  await t.step("empty directories beside files", async () => {
    await using dir = await tempDir();
    await dir.write("main.ts", "x");
    await Deno.mkdir(join(dir.path, "empty"));
    await Deno.mkdir(join(dir.path, "deep/er/still"), { recursive: true });
    assert.deepEqual(await checkPackage(dir.path), ["main.ts"]);
  });
});

Deno.test("checkPackage() refuses a symbolic link, wherever it points", async (t) => {
  const cases: [string, (dir: string) => Promise<void>, string][] = [
    ["to a file in the package", async (dir) => {
      await Deno.writeTextFile(join(dir, "real.ts"), "x");
      await Deno.symlink(join(dir, "real.ts"), join(dir, "link.ts"));
    }, "link.ts"],
    ["to a file outside", async (dir) => {
      await Deno.mkdir(join(dir, "src"));
      await Deno.symlink("/etc/passwd", join(dir, "src/passwd"));
    }, "src/passwd"],
    ["to a directory", async (dir) => {
      await Deno.mkdir(join(dir, "lib/real"), { recursive: true });
      await Deno.writeTextFile(join(dir, "lib/real/a.ts"), "x");
      await Deno.symlink(join(dir, "lib/real"), join(dir, "lib/alias"), { type: "dir" });
    }, "lib/alias"],
    ["to a directory outside", async (dir) => {
      await Deno.symlink("/", join(dir, "root"), { type: "dir" });
    }, "root"],
    ["dangling", async (dir) => {
      await Deno.symlink(join(dir, "missing"), join(dir, "dangling"));
    }, "dangling"],
  ];
  for (const [name, make, offending] of cases) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      await make(dir.path);
      await assertRefused(dir.path, offending, /is a symbolic link/);
    });
  }
});

Deno.test("checkPackage() refuses a FIFO", async (t) => {
  for (const offending of ["pipe", "deep/dir/pipe"]) {
    await t.step(offending, async () => {
      await using dir = await tempDir();
      await dir.write("main.ts", "x");
      await Deno.mkdir(join(dir.path, offending, ".."), { recursive: true });
      await mkfifo(join(dir.path, offending));
      await assertRefused(dir.path, offending, /is not a regular file or directory$/);
    });
  }
});

Deno.test("checkPackage() refuses a Unix socket", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "run"));
  using _listener = Deno.listen({ transport: "unix", path: join(dir.path, "run/sock") });
  await assertRefused(dir.path, "run/sock", /is not a regular file or directory$/);
});
