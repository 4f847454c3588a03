// The per-host policy file: it tightens what any extension may be granted,
// raises the host to the enterprise tier where sandbox escapes can be
// granted, and, when it is invalid, nothing starts.
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
    /the community tier may not have it \(the host policy denies it\)/,
  );
});

Deno.test("the enterprise tier may grant what escapes the sandbox; community never", async () => {
  await using s = await stage({}, FAST);
  const secret = join(s.root, "outside-secret.txt");
  await s.install(
    attacker("acme.far", "return await Deno.readTextFile(input);", {
      permissions: { read: [secret] },
    }),
  );
  await assertFails(s.conductor.call("acme.far", "run", secret), "PermissionDenied");
  assert.deepEqual((await s.conductor.grants("acme.far")).read.denied, [secret]);
  await writePolicy(s.conductor.layout.home, { tier: "enterprise" });
  await s.conductor.stop("acme.far");
  assert.equal(await s.conductor.call("acme.far", "run", secret), "outside secret");
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
