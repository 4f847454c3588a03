// Tests that attack: hostile extensions, each installed and run in its own
// sandboxed process as a user would, try what they were not granted. Every
// attempt must fail with the contract's error, and the host must keep serving
// a benign extension afterwards.
import assert from "node:assert/strict";
import { join } from "node:path";
import { installExtension } from "../kit/mod.ts";
import { assertFails, attacker, stage, writeExtension } from "./extension_stage.ts";

Deno.test("a hostile extension cannot read what it was not granted", async (t) => {
  await using s = await stage();
  await s.install(attacker("evil.reader", `return await Deno.readTextFile(input.path);`, {
    permissions: { read: ["${workspace}/granted"] },
  }));
  await t.step("its granted directory is readable", async () => {
    assert.equal(
      await s.conductor.call("evil.reader", "run", {
        path: join(s.workspace, "granted", "notes.txt"),
      }),
      "hello",
    );
  });
  const attempts: [string, string][] = [
    ["/etc/passwd", "/etc/passwd"],
    ["a secret outside every grant, by absolute path", join(s.root, "outside-secret.txt")],
    [
      "a secret reached by .. from the granted directory",
      join(s.workspace, "granted", "..", "secret.txt"),
    ],
    ["the host's database", join(s.root, "home", "host", "symphony.db")],
    [
      "another extension's code",
      join(s.root, "home", "extensions", "acme.benign", "1.0.0", "main.ts"),
    ],
  ];
  for (const [name, path] of attempts) {
    await t.step(name, async () => {
      await assertFails(
        s.conductor.call("evil.reader", "run", { path }),
        "PermissionDenied",
        /Requires read access/,
      );
      await s.assertBenignServes();
    });
  }
});

Deno.test("a hostile extension cannot write outside its data directory, nor to its own code", async (t) => {
  await using s = await stage();
  await s.install(
    attacker("evil.writer", `await Deno.writeTextFile(input.path, "pwned"); return "written";`, {
      permissions: { read: ["${workspace}"] },
    }),
  );
  await t.step("its own data directory is writable", async () => {
    const path = join(s.root, "home", "data", "evil.writer", "ok.txt");
    assert.equal(await s.conductor.call("evil.writer", "run", { path }), "written");
  });
  const attempts: [string, string][] = [
    ["the workspace it may only read", join(s.workspace, "granted", "notes.txt")],
    ["its own code", join(s.root, "home", "extensions", "evil.writer", "1.0.0", "main.ts")],
    ["the host's database", join(s.root, "home", "host", "symphony.db")],
    ["/tmp", "/tmp/evil-writer-was-here"],
  ];
  for (const [name, path] of attempts) {
    await t.step(name, async () => {
      await assertFails(
        s.conductor.call("evil.writer", "run", { path }),
        "PermissionDenied",
        /Requires write access/,
      );
      await s.assertBenignServes();
    });
  }
  assert.equal(await Deno.readTextFile(join(s.workspace, "granted", "notes.txt")), "hello");
});

Deno.test("a hostile extension cannot reach a local server it was not granted", async () => {
  await using s = await stage();
  using server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = server.addr.port;
  await s.install(attacker(
    "evil.net",
    `
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: input.port });
    conn.close();
    return "connected";`,
  ));
  await assertFails(
    s.conductor.call("evil.net", "run", { port }),
    "PermissionDenied",
    /Requires net access to "127\.0\.0\.1:\d+"/,
  );
  await s.install(
    attacker("evil.fetch", `return (await fetch("http://127.0.0.1:" + input.port)).status;`),
  );
  await assertFails(
    s.conductor.call("evil.fetch", "run", { port }),
    "PermissionDenied",
    /Requires net access/,
  );
  await s.assertBenignServes();
});

Deno.test("a hostile extension cannot read the host's environment", async () => {
  await using s = await stage({ SECRET_TOKEN: "hunter2", LANG: "C.UTF-8" });
  await s.install(
    attacker("evil.env", `return input.all ? Deno.env.toObject() : Deno.env.get(input.name);`, {
      permissions: { env: ["LANG"] },
    }),
  );
  assert.equal(await s.conductor.call("evil.env", "run", { name: "LANG" }), "C.UTF-8");
  await assertFails(
    s.conductor.call("evil.env", "run", { name: "SECRET_TOKEN" }),
    "PermissionDenied",
    /Requires env access to "SECRET_TOKEN"/,
  );
  await assertFails(
    s.conductor.call("evil.env", "run", { all: true }),
    "PermissionDenied",
    /Requires env access/,
  );
  await s.assertBenignServes();
});

Deno.test("a hostile extension cannot spawn processes or load native libraries", async (t) => {
  await using s = await stage();
  const attempts: [string, string, RegExp][] = [
    [
      "Deno.Command",
      `return new Deno.Command("/usr/bin/id").outputSync().code;`,
      /Requires run access to "\/usr\/bin\/id"/,
    ],
    [
      "node:child_process",
      `const cp = await import("node:child_process"); return String(cp.execSync("id"));`,
      /Requires (run|env) access/,
    ],
    ["Deno.dlopen", `Deno.dlopen("libc.so.6", {}); return "loaded";`, /Requires ffi access/],
  ];
  for (const [name, body, message] of attempts) {
    await t.step(name, async () => {
      const id = `evil.${name.toLowerCase().replace(/[^a-z]/g, "")}`;
      await s.install(attacker(id, body));
      await assertFails(s.conductor.call(id, "run", null), "PermissionDenied", message);
      await s.assertBenignServes();
    });
  }
});

Deno.test("a hostile extension that asks for a permission at run time is told no at once", async () => {
  await using s = await stage();
  await s.install(attacker(
    "evil.request",
    `
    const statuses = [];
    for (const descriptor of [{ name: "read", path: "/etc" }, { name: "run" }, { name: "net" }, { name: "env" }]) {
      statuses.push((await Deno.permissions.request(descriptor)).state);
    }
    return statuses;`,
  ));
  assert.deepEqual(await s.conductor.call("evil.request", "run", null), [
    "denied",
    "denied",
    "denied",
    "denied",
  ]);
  await s.assertBenignServes();
});

Deno.test("a hostile extension cannot import a remote module", async () => {
  await using s = await stage();
  await s.install(attacker("evil.remote", `return Object.keys(await import(input.url));`));
  await assertFails(
    s.conductor.call("evil.remote", "run", { url: "https://example.com/payload.ts" }),
    "PermissionDenied",
    /remote specifier was requested.*--no-remote/,
  );
  await s.assertBenignServes();
});

Deno.test("a hostile extension cannot get more permissions through a Worker", async (t) => {
  await using s = await stage();
  await t.step("a Worker inherits the extension's permissions, not more", async () => {
    await s.install(attacker(
      "evil.worker",
      `
      const source = 'try { self.postMessage(Deno.readTextFileSync("/etc/passwd")); } catch (e) { self.postMessage(e.name + ": " + e.message); }';
      const url = "data:application/javascript," + encodeURIComponent(source);
      const worker = new Worker(url, { type: "module" });
      const message = await new Promise((resolve) => worker.onmessage = (e) => resolve(e.data));
      worker.terminate();
      if (String(message).startsWith("NotCapable")) throw new Deno.errors.NotCapable(String(message).slice(12));
      return message;`,
    ));
    await assertFails(
      s.conductor.call("evil.worker", "run", null),
      "PermissionDenied",
      /Requires read access to "\/etc\/passwd"/,
    );
  });
  await t.step("asking a Worker for permissions ends the extension, not the host", async () => {
    await s.install(attacker(
      "evil.escalate",
      `
      const url = "data:application/javascript," + encodeURIComponent('self.postMessage(Deno.readTextFileSync("/etc/passwd"))');
      const worker = new Worker(url, { type: "module", deno: { permissions: { read: true } } });
      return await new Promise((resolve) => worker.onmessage = (e) => resolve(e.data));`,
    ));
    await assertFails(s.conductor.call("evil.escalate", "run", null), "Crashed");
  });
  await s.assertBenignServes();
});

Deno.test("a hostile extension cannot read another extension's localStorage", async () => {
  await using s = await stage();
  await s.install(
    attacker(
      "acme.keeper",
      `localStorage.setItem("token", "keeper-secret"); return localStorage.getItem("token");`,
    ),
  );
  assert.equal(await s.conductor.call("acme.keeper", "run", null), "keeper-secret");
  await s.install(attacker(
    "evil.snoop",
    `
    if (input.path) {
      const found = [];
      for await (const entry of Deno.readDir(input.path)) found.push(entry.name);
      return found;
    }
    return localStorage.getItem("token");`,
  ));
  assert.equal(await s.conductor.call("evil.snoop", "run", {}), null);
  await assertFails(
    s.conductor.call("evil.snoop", "run", { path: join(s.root, "home", "cache", "acme.keeper") }),
    "PermissionDenied",
    /Requires read access/,
  );
  await s.assertBenignServes();
});

Deno.test("install refuses a manifest whose path has a comma or leaves its root", async (t) => {
  await using s = await stage();
  const cases: [string, string, RegExp][] = [
    ["a comma", "${workspace}/a,/etc", /permissions\.read\[0\]: path contains a comma/],
    [
      "a path that leaves its root",
      "${workspace}/../../etc",
      /permissions\.read\[0\]: path leaves \$\{workspace\}/,
    ],
  ];
  for (const [name, path, message] of cases) {
    await t.step(name, async () => {
      await assertFails(
        s.install(
          attacker(`evil.manifest${name.length}`, "return 1;", { permissions: { read: [path] } }),
        ),
        "InvalidManifest",
        message,
      );
    });
  }
  await t.step("a package holding a symbolic link", async () => {
    const path = await writeExtension(join(s.root, "sources"), attacker("evil.link", "return 1;"));
    await Deno.symlink("/etc/passwd", join(path, "passwd"));
    await assertFails(
      installExtension(path, { conductor: s.conductor, confirm: () => Promise.resolve(true) }),
      "InvalidManifest",
      /passwd is a symbolic link/,
    );
  });
  assert.deepEqual((await s.conductor.list()).map((e) => e.id), ["acme.benign"]);
});

Deno.test("install refuses a package file swapped for a link while the review waits", async () => {
  await using s = await stage();
  const secret = join(s.root, "outside-secret.txt");
  const path = await writeExtension(join(s.root, "sources"), attacker("evil.swap", "return 1;"));
  await Deno.writeTextFile(join(path, "loot.txt"), "harmless");
  await assertFails(
    installExtension(path, {
      conductor: s.conductor,
      confirm: async () => {
        await Deno.remove(join(path, "loot.txt"));
        await Deno.symlink(secret, join(path, "loot.txt"));
        return true;
      },
    }),
    "InvalidManifest",
    /loot\.txt changed into something other than a file/,
  );
  assert.deepEqual((await s.conductor.list()).map((e) => e.id), ["acme.benign"]);
});
