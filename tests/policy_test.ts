// The per-host policy file: it tightens what any extension may be granted,
// raises the host to the enterprise tier where sandbox escapes can be
// granted to extensions of the enterprise trust tier, and, when it is
// invalid, nothing starts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertFails, attacker, stage } from "./extension_stage.ts";

const FAST = { limits: { watchIntervalMs: 50 } };

async function writePolicy(home: string, policy: unknown): Promise<void> {
  await Deno.mkdir(join(home, "host"), { recursive: true });
  await Deno.writeTextFile(join(home, "host", "policy.json"), JSON.stringify(policy));
  // The host reads the policy at most once a watch interval.
  await new Promise((resolve) => setTimeout(resolve, 120));
}

Deno.test("a policy that denies a permission takes it from every extension", async () => {
  await using s = await stage({ LANG: "en_GB.UTF-8" }, FAST);
  await s.install(
    attacker("acme.env", "return Deno.env.get('LANG') ?? 'unset';", {
      permissions: { env: ["LANG"] },
    }),
  );
  assert.equal(await s.conductor.call("acme.env", "run", null), "en_GB.UTF-8");
  await writePolicy(s.conductor.layout.home, { deny: { env: ["LANG"] } });
  await s.conductor.stop("acme.env");
  await assertFails(s.conductor.call("acme.env", "run", null), "PermissionDenied");
  assert.deepEqual((await s.conductor.grants("acme.env")).env, { granted: [], denied: ["LANG"] });
  await assertFails(
    s.conductor.grant("acme.env", "env", "LANG"),
    "PermissionDenied",
    /^Cannot grant acme\.env env LANG: the host policy denies it$/,
  );
});

Deno.test("only an enterprise extension on an enterprise host gets what escapes the sandbox", async () => {
  await using s = await stage({}, FAST);
  const secret = join(s.root, "outside-secret.txt");
  await s.install(
    attacker("acme.far", "return await Deno.readTextFile(input);", {
      permissions: { read: [secret] },
    }),
  );
  // A community host: no extension reads outside the workspace, granted or not.
  await assertFails(s.conductor.call("acme.far", "run", secret), "PermissionDenied");
  assert.deepEqual((await s.conductor.grants("acme.far")).read.denied, [secret]);
  await assertFails(
    s.conductor.grant("acme.far", "read", secret),
    "PermissionDenied",
    /which this host's policy \(the community tier\) never grants$/,
  );
  await s.conductor.setTrust("acme.far", "enterprise");
  await assertFails(s.conductor.call("acme.far", "run", secret), "PermissionDenied");

  // An enterprise host: only the extensions an admin set to the enterprise tier.
  await writePolicy(s.conductor.layout.home, { tier: "enterprise" });
  for (const tier of ["community", "trusted"] as const) {
    await s.conductor.setTrust("acme.far", tier);
    await assertFails(s.conductor.call("acme.far", "run", secret), "PermissionDenied");
    await assertFails(
      s.conductor.grant("acme.far", "read", secret),
      "PermissionDenied",
      new RegExp(`acme\\.far is of the ${tier} tier: only the enterprise tier may have it$`),
    );
  }
  await s.conductor.setTrust("acme.far", "enterprise");
  assert.equal(await s.conductor.call("acme.far", "run", secret), "outside secret");
  const refusals = s.conductor.audit.list({ extension: "acme.far", kind: "policy-refusal" });
  assert.deepEqual(refusals.map((r) => r.detail["rule"]), [
    "community host",
    "community tier",
    "trusted tier",
  ]);
});

Deno.test("a community extension that asks for wildcards starts with none of them", async () => {
  await using s = await stage({ SECRET_TOKEN: "hunter2" }, FAST);
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen(): void {} },
    () => new Response("host-local service"),
  );
  const secret = join(s.root, "outside-secret.txt");
  await s.install(
    attacker(
      "acme.greedy",
      `if (input.kind === "net") return await (await fetch(input.url)).text();
       if (input.kind === "read") return await Deno.readTextFile(input.path);
       return Deno.env.get("SECRET_TOKEN") ?? "unset";`,
      { permissions: { net: ["*"], read: ["/"], env: ["*"] } },
    ),
  );
  const attempts = {
    net: { kind: "net", url: `http://127.0.0.1:${server.addr.port}/` },
    read: { kind: "read", path: secret },
    env: { kind: "env" },
  };
  for (const input of Object.values(attempts)) {
    await assertFails(s.conductor.call("acme.greedy", "run", input), "PermissionDenied");
  }
  const grants = await s.conductor.grants("acme.greedy");
  assert.deepEqual([grants.net.granted, grants.read.granted, grants.env.granted], [[], [], []]);

  // Set to the enterprise tier on an enterprise host, it has them as requested
  // (but never the whole file system, which holds the host's data).
  await writePolicy(s.conductor.layout.home, { tier: "enterprise" });
  await s.conductor.setTrust("acme.greedy", "enterprise");
  assert.equal(await s.conductor.call("acme.greedy", "run", attempts.net), "host-local service");
  assert.equal(await s.conductor.call("acme.greedy", "run", attempts.env), "hunter2");
  await assertFails(s.conductor.call("acme.greedy", "run", attempts.read), "PermissionDenied");
  const enterprise = await s.conductor.grants("acme.greedy");
  assert.deepEqual([enterprise.net.granted, enterprise.read.granted], [["*"], []]);
  await assertFails(
    s.conductor.grant("acme.greedy", "read", "/"),
    "PermissionDenied",
    /it reads the whole file system, the host's data included: no tier may have it$/,
  );
});

Deno.test("programs run only for an enterprise extension, where the policy allows, one by one", async () => {
  await using s = await stage({}, FAST);
  const echo = attacker(
    "acme.runner",
    `const out = await new Deno.Command(input, { args: ["hi"] }).output();
     return new TextDecoder().decode(out.stdout).trim();`,
    { permissions: { run: ["/bin/echo", "/bin/uname"] } },
  );
  // A community host refuses the package outright.
  await assert.rejects(
    () => s.install(echo),
    /Cannot install acme\.runner: it asks to run programs \(\/bin\/echo, \/bin\/uname\), which this host's policy never allows/,
  );
  await writePolicy(s.conductor.layout.home, { tier: "enterprise", allow_run: true });
  await s.install(echo);
  // Installed, but no program is granted as requested.
  assert.deepEqual((await s.conductor.grants("acme.runner")).run, {
    granted: [],
    denied: ["/bin/echo", "/bin/uname"],
  });
  await assertFails(s.conductor.call("acme.runner", "run", "/bin/echo"), "PermissionDenied");
  await assertFails(
    s.conductor.grant("acme.runner", "run", "/bin/echo"),
    "PermissionDenied",
    /acme\.runner is of the community tier: only the enterprise tier may have it$/,
  );
  await s.conductor.setTrust("acme.runner", "enterprise");
  await assertFails(s.conductor.call("acme.runner", "run", "/bin/echo"), "PermissionDenied");

  await s.conductor.grant("acme.runner", "run", "/bin/echo");
  assert.equal(await s.conductor.call("acme.runner", "run", "/bin/echo"), "hi");
  // Only the program granted: the other one it asked for is still refused.
  await assertFails(s.conductor.call("acme.runner", "run", "/bin/uname"), "PermissionDenied");
  assert.deepEqual((await s.conductor.grants("acme.runner")).run, {
    granted: ["/bin/echo"],
    denied: ["/bin/uname"],
  });

  // A policy that stops allowing programs takes them back from every extension.
  await writePolicy(s.conductor.layout.home, { tier: "enterprise" });
  await s.conductor.stop("acme.runner");
  await assertFails(s.conductor.call("acme.runner", "run", "/bin/echo"), "PermissionDenied");
  await assertFails(
    s.conductor.grant("acme.runner", "run", "/bin/uname"),
    "PermissionDenied",
    /which this host's policy does not allow \(allow_run\)$/,
  );
});

Deno.test("an invalid policy file stops every start, with the reason, and is no crash", async () => {
  await using s = await stage({}, FAST);
  await writePolicy(s.conductor.layout.home, { tier: "galactic" });
  // More refusals than the circuit breaker allows crashes.
  for (let i = 0; i < 4; i++) {
    await assertFails(
      s.conductor.call("acme.benign", "echo", 1),
      "PermissionDenied",
      /the host policy .*policy\.json is invalid \(tier: /,
    );
  }
  await writePolicy(s.conductor.layout.home, {});
  assert.deepEqual(await s.conductor.call("acme.benign", "echo", 1), { echoed: 1 });
  const installed = await s.conductor.get("acme.benign");
  assert.equal(installed.disabled, undefined);
  assert.deepEqual((installed.history ?? []).filter((h) => h.event === "crashed"), []);
});
