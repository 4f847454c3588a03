// The web UI's server: every endpoint through `app.request()` over a real
// Conductor, each refusal (no session, bad token, CSRF, foreign Host or
// Origin, viewer, invalid input, unknown extension, host faults), the event
// stream, and the server started as `symphony dev` starts it.
import assert from "node:assert/strict";
import { devCommand } from "../kit/dev_command.ts";
import { serveUi } from "../ui/mod.ts";
import { assertFails, type Extension, stage } from "./extension_stage.ts";
import { SymphonyError } from "../symphony_error.ts";
import { tempDir } from "./temp_dir.ts";
import {
  ADMIN_TOKEN,
  assertRefused,
  json,
  openUi,
  send,
  signIn,
  type Ui as UiBase,
  UI_BASE,
} from "./ui_session.ts";

/** An extension with permissions and a setting, beside the stage's acme.benign. */
const TUNED: Extension = {
  id: "acme.tuned",
  permissions: { read: ["${workspace}/granted"], env: ["LANG"] },
  settings: {
    indent: { type: "integer", default: 2, minimum: 0, maximum: 8, description: "Spaces" },
  },
  main: `export function activate() { return { run: () => null }; }`,
};

interface Ui extends UiBase {
  /** The clock the sessions see, in ms. */
  clock: { now: number };
  /** What reached onInternalError. */
  faults: unknown[];
}

async function ui(signal?: AbortSignal): Promise<Ui> {
  const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
  const faults: unknown[] = [];
  const u = await openUi({
    now: () => clock.now,
    onInternalError: (error) => faults.push(error),
    ...(signal === undefined ? {} : { signal }),
  });
  await u.s.install(TUNED);
  return { ...u, clock, faults };
}

Deno.test("the start token opens an admin session cookie and leaves the address bar", async () => {
  await using u = await ui();
  const response = await u.app.request(`${UI_BASE}/?token=${ADMIN_TOKEN}`);
  assert.equal(response.status, 303);
  assert.equal(response.headers.get("location"), "/");
  const cookie = response.headers.get("set-cookie") ?? "";
  assert.match(cookie, /^symphony_session_7777=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict$/);

  const page = await u.app.request(`${UI_BASE}/`, {
    headers: { cookie: cookie.split(";")[0] ?? "" },
  });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<title>Symphony<\/title>/);
  assert.match(html, /<div id="app"><\/div>/);
  assert.doesNotMatch(
    html,
    /(src|href)="(https?:)?\/\//,
    "the page loads something from elsewhere",
  );
  assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);

  const session = await json(
    await u.app.request(`${UI_BASE}/api/session`, {
      headers: { cookie: cookie.split(";")[0] ?? "" },
    }),
  );
  assert.equal(session["role"], "admin");
  assert.match(String(session["csrfToken"]), /^[0-9a-f]{64}$/);
});

Deno.test("a wrong or missing token gets the 401 page and no cookie", async (t) => {
  await using u = await ui();
  const cases: [string, string][] = [["wrong token", `/?token=${"0".repeat(48)}`], [
    "no token",
    "/",
  ]];
  for (const [name, path] of cases) {
    await t.step(name, async () => {
      const response = await u.app.request(`${UI_BASE}${path}`);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get("set-cookie"), null);
      assert.match(await response.text(), /open the URL with the token/);
    });
  }
});

Deno.test("the API refuses requests without a live session with 401", async (t) => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  await t.step("no cookie", async () => {
    await assertRefused(send(u.app, undefined, "GET", "/api/extensions"), 401, "PermissionDenied");
    await assertRefused(send(u.app, undefined, "GET", "/api/events"), 401, "PermissionDenied");
  });
  await t.step("a made-up session id", async () => {
    const forged = { cookie: `symphony_session_7777=${"f".repeat(64)}`, csrf: admin.csrf };
    await assertRefused(send(u.app, forged, "GET", "/api/extensions"), 401, "PermissionDenied");
  });
  await t.step("a session unused for longer than 12 hours", async () => {
    u.clock.now += 12 * 60 * 60_000 + 1;
    await assertRefused(send(u.app, admin, "GET", "/api/extensions"), 401, "PermissionDenied");
  });
});

Deno.test("state-changing requests without the session's CSRF token are refused with 403", async (t) => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  const other = await signIn(u.app, "admin");
  const cases: [string, Record<string, string>][] = [
    ["missing", {}],
    ["wrong", { "x-csrf-token": "0".repeat(64) }],
    ["another session's", { "x-csrf-token": other.csrf }],
  ];
  for (const [name, headers] of cases) {
    await t.step(name, async () => {
      const response = u.app.request(`${UI_BASE}/api/extensions/acme.benign/disable`, {
        method: "POST",
        headers: { cookie: admin.cookie, ...headers },
      });
      await assertRefused(response, 403, "PermissionDenied", /X-CSRF-Token/);
    });
  }
  assert.equal(await u.s.conductor.state("acme.benign"), "installed");
});

Deno.test("a request for another Host (DNS rebinding) is refused with 403", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  const evil = { host: "evil.example:7777" };
  await assertRefused(
    send(u.app, admin, "GET", "/api/extensions", undefined, evil),
    403,
    "PermissionDenied",
    /evil\.example:7777.*answers only 127\.0\.0\.1:7777/,
  );
  const signIn2 = await u.app.request(`${UI_BASE}/?token=${ADMIN_TOKEN}`, { headers: evil });
  assert.equal(signIn2.status, 403);
  assert.equal(signIn2.headers.get("set-cookie"), null);
  await assertRefused(
    u.app.request(`http://localhost:7777/api/session`, { headers: { cookie: admin.cookie } }),
    403,
    "PermissionDenied",
  );
});

Deno.test("a request from another Origin is refused with 403; the UI's own origin passes", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  await assertRefused(
    send(u.app, admin, "POST", "/api/extensions/acme.benign/disable", undefined, {
      origin: "http://evil.example",
    }),
    403,
    "PermissionDenied",
    /evil\.example/,
  );
  assert.equal(await u.s.conductor.state("acme.benign"), "installed");
  const own = await send(u.app, admin, "GET", "/api/session", undefined, { origin: UI_BASE });
  assert.equal((await json(own))["role"], "admin");
});

Deno.test("a viewer reads everything but every admin action is refused with 403", async (t) => {
  await using u = await ui();
  const viewer = await signIn(u.app, "viewer");
  assert.equal((await json(await send(u.app, viewer, "GET", "/api/session")))["role"], "viewer");
  for (const path of ["/api/extensions", "/api/extensions/acme.tuned", "/api/audit"]) {
    assert.equal((await send(u.app, viewer, "GET", path)).status, 200, path);
  }
  const actions: [string, string, unknown?][] = [
    ...["start", "stop", "restart", "enable", "disable", "suspend", "resume"].map((
      action,
    ): [string, string] => ["POST", `/api/extensions/acme.tuned/${action}`]),
    ["POST", "/api/extensions/acme.tuned/grants", { kind: "env", value: "LANG" }],
    ["DELETE", "/api/extensions/acme.tuned/grants", { kind: "env" }],
    ["PUT", "/api/extensions/acme.tuned/settings", { level: "user", values: { indent: 4 } }],
    ["POST", "/api/extensions/acme.tuned/trust", { tier: "trusted" }],
    ["POST", "/api/extensions/acme.tuned/call", { method: "run" }],
  ];
  for (const [method, path, body] of actions) {
    await t.step(`${method} ${path}`, async () => {
      await assertRefused(
        send(u.app, viewer, method, path, body),
        403,
        "PermissionDenied",
        /needs the admin role, and this session is a viewer/,
      );
    });
  }
  const tuned = await u.s.conductor.get("acme.tuned");
  assert.equal(tuned.trust, undefined);
  assert.equal(tuned.disabled, undefined);
  assert.deepEqual(tuned.grants, {});
  assert.equal(u.s.conductor.isRunning("acme.tuned"), false);
});

Deno.test("GET /api/extensions lists every installed extension with its live state", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  await u.s.assertBenignServes();
  const { extensions } = await json(await send(u.app, admin, "GET", "/api/extensions")) as {
    extensions: Record<string, unknown>[];
  };
  assert.deepEqual(extensions.map((e) => e["id"]), ["acme.benign", "acme.tuned"]);
  const [benign, tuned] = extensions;
  // Activity points come once a second while it runs: how many is a matter of timing.
  assert.ok(Array.isArray(benign?.["activity"]));
  assert.deepEqual(
    { ...benign, activity: [] },
    {
      id: "acme.benign",
      name: "acme.benign",
      version: "1.0.0",
      type: "operator",
      trust: "community",
      state: "ready",
      restarts: 0,
      calls: { ok: 0, failed: 0 },
      activity: [],
      dev: false,
    },
  );
  assert.equal(tuned?.["state"], "installed");
  assert.deepEqual(tuned?.["activity"], []);
});

Deno.test("GET /api/extensions/:id shows the manifest, the three permission columns and the settings", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  await u.s.conductor.revoke("acme.tuned", "env", "LANG");
  const detail = await json(await send(u.app, admin, "GET", "/api/extensions/acme.tuned"));
  assert.equal(detail["id"], "acme.tuned");
  assert.equal(detail["state"], "installed");
  const manifest = detail["manifest"] as Record<string, unknown>;
  assert.equal(manifest["entry"], "main.ts");
  assert.deepEqual(manifest["operator"], { functions: [{ name: "run" }] });
  assert.equal("permissions" in manifest, false);
  const permissions = detail["permissions"] as Record<string, unknown>;
  assert.deepEqual(permissions["read"], {
    requested: ["${workspace}/granted"],
    granted: ["${workspace}/granted"],
    denied: [],
  });
  assert.deepEqual(permissions["env"], { requested: ["LANG"], granted: [], denied: ["LANG"] });
  assert.deepEqual(detail["settings"], {
    values: { indent: 2 },
    levels: {},
    schema: {
      indent: { type: "integer", default: 2, minimum: 0, maximum: 8, description: "Spaces" },
    },
  });
  assert.deepEqual(detail["history"], []);
  assert.deepEqual(detail["transitions"], []);
  assert.deepEqual(detail["activity"], []);
  assert.deepEqual(detail["logs"], []);
});

Deno.test("GET /api/extensions/:id shows its activity and its log lines", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  await u.s.install({
    id: "acme.chatty",
    main: `export function activate() {
      return { run: (input) => { console.log("said " + input); return input; } };
    }`,
  });
  await u.s.conductor.call("acme.chatty", "run", "hello");
  await u.s.nextLog((line) => line.message === "said hello");
  const detail = await json(await send(u.app, admin, "GET", "/api/extensions/acme.chatty"));
  const logs = detail["logs"] as Record<string, unknown>[];
  assert.deepEqual(logs.map((l) => [l["id"], l["level"], l["message"]]), [
    ["acme.chatty", "info", "said hello"],
  ]);
  // Points come once a second: what there is so far is its own, with the call in it once seen.
  const activity = detail["activity"] as Record<string, unknown>[];
  assert.ok(activity.every((point) => point["id"] === "acme.chatty"));
  assert.ok(activity.reduce((sum, point) => sum + Number(point["calls"]), 0) <= 1);
});

Deno.test("POST /api/extensions/:id/call calls a method as the host does, with its errors", async (t) => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  await t.step("the result", async () => {
    const answer = await send(u.app, admin, "POST", "/api/extensions/acme.benign/call", {
      method: "echo",
      input: { n: 1 },
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(await json(answer), {
      id: "acme.benign",
      method: "echo",
      result: { echoed: { n: 1 } },
    });
  });
  await t.step("an omitted input is null", async () => {
    const answer = await send(u.app, admin, "POST", "/api/extensions/acme.benign/call", {
      method: "echo",
    });
    assert.deepEqual((await json(answer))["result"], { echoed: null });
  });
  await t.step("no such method", async () => {
    await assertRefused(
      send(u.app, admin, "POST", "/api/extensions/acme.benign/call", { method: "nope" }),
      404,
      "NotFound",
      /no such method/,
    );
  });
  await t.step("what the sandbox refuses", async () => {
    await u.s.install({
      id: "acme.snoop",
      main: `export function activate() {
        return { run: () => Deno.readTextFile("/etc/hostname") };
      }`,
    });
    await assertRefused(
      send(u.app, admin, "POST", "/api/extensions/acme.snoop/call", { method: "run" }),
      403,
      "PermissionDenied",
      /Requires read access to "\/etc\/hostname"/,
    );
    assert.equal(u.faults.length, 0);
  });
  await t.step("a body that is not a call", async () => {
    await assertRefused(
      send(u.app, admin, "POST", "/api/extensions/acme.benign/call", { input: 1 }),
      400,
      "InvalidInput",
      /method/,
    );
  });
});

Deno.test("the lifecycle actions start, stop, restart, suspend, resume, disable and enable", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  const act = async (action: string): Promise<unknown> =>
    (await json(await send(u.app, admin, "POST", `/api/extensions/acme.benign/${action}`)))[
      "state"
    ];
  assert.equal(await act("start"), "ready");
  const firstPid = (await u.s.conductor.start("acme.benign")).pid;
  assert.equal(await act("restart"), "ready");
  assert.notEqual((await u.s.conductor.start("acme.benign")).pid, firstPid);
  assert.equal(await act("stop"), "stopped");
  assert.equal(await act("suspend"), "suspended");
  assert.equal(await act("resume"), "stopped");
  assert.equal(await act("disable"), "disabled");
  await assertRefused(
    send(u.app, admin, "POST", "/api/extensions/acme.benign/start"),
    409,
    "Disabled",
  );
  assert.equal(await act("enable"), "stopped");
  const detail = await json(await send(u.app, admin, "GET", "/api/extensions/acme.benign"));
  assert.deepEqual(
    (detail["history"] as { event: string }[]).map((h) => h.event),
    ["suspended", "resumed", "disabled", "enabled"],
  );
  const transitions = detail["transitions"] as { to: string; reason: string }[];
  assert.ok(transitions.some((t) => t.to === "stopping" && /restarted by an admin/.test(t.reason)));
});

Deno.test("grants: revoke and grant one value, revoke a whole kind; each is audited", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  const path = "/api/extensions/acme.tuned/grants";
  const revoked = await json(
    await send(u.app, admin, "DELETE", path, { kind: "env", value: "LANG" }),
  );
  assert.deepEqual((revoked["permissions"] as Record<string, unknown>)["env"], {
    requested: ["LANG"],
    granted: [],
    denied: ["LANG"],
  });
  const granted = await json(
    await send(u.app, admin, "POST", path, { kind: "env", value: "LANG" }),
  );
  assert.deepEqual((granted["permissions"] as Record<string, unknown>)["env"], {
    requested: ["LANG"],
    granted: ["LANG"],
    denied: [],
  });
  await json(await send(u.app, admin, "DELETE", path, { kind: "read" }));
  assert.deepEqual((await u.s.conductor.grants("acme.tuned")).read.granted, []);
  await assertRefused(
    send(u.app, admin, "POST", path, { kind: "net", value: "evil.example.com:443" }),
    400,
    "InvalidInput",
    /does not request it/,
  );
  const { records } = await json(
    await send(u.app, admin, "GET", "/api/audit?ext=acme.tuned&kind=revoke"),
  ) as { records: { kind: string; actor: string; detail: Record<string, unknown> }[] };
  assert.deepEqual(records.map((r) => [r.detail["permission"], r.detail["granted"]]), [
    ["env", []],
    ["read", []],
  ]);
});

Deno.test("what a session changes is audited as that session, beside the host's user", async () => {
  await using u = await ui();
  const first = await signIn(u.app, "admin");
  const second = await signIn(u.app, "admin");
  const path = "/api/extensions/acme.tuned/grants";
  await json(await send(u.app, first, "DELETE", path, { kind: "env", value: "LANG" }));
  await json(await send(u.app, second, "POST", path, { kind: "env", value: "LANG" }));
  await json(await send(u.app, second, "POST", "/api/extensions/acme.tuned/disable"));
  // The host acts as itself again once the requests are answered.
  await u.s.conductor.enable("acme.tuned");
  const actors = u.s.conductor.audit.list({ extension: "acme.tuned" })
    .filter((r) => ["grant", "revoke", "disable", "enable"].includes(r.kind))
    .map((r) => [r.kind, r.actor]);
  assert.deepEqual(actors, [
    ["revoke", "ui:admin#1 (conductor)"],
    ["grant", "ui:admin#2 (conductor)"],
    ["disable", "ui:admin#2 (conductor)"],
    ["enable", "conductor"],
  ]);
});

Deno.test("settings: set at a level, refused when out of bounds, cleared with null", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  const path = "/api/extensions/acme.tuned/settings";
  const set = await json(
    await send(u.app, admin, "PUT", path, { level: "user", values: { indent: 4 } }),
  );
  assert.deepEqual(set, {
    id: "acme.tuned",
    values: { indent: 4 },
    levels: { user: { indent: 4 } },
  });
  await assertRefused(
    send(u.app, admin, "PUT", path, { level: "user", values: { indent: 99 } }),
    400,
    "InvalidInput",
    /indent/,
  );
  const cleared = await json(
    await send(u.app, admin, "PUT", path, { level: "user", values: { indent: null } }),
  );
  assert.deepEqual(cleared["values"], { indent: 2 });
});

Deno.test("trust: an admin sets the tier; the list shows it", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  assert.deepEqual(
    await json(
      await send(u.app, admin, "POST", "/api/extensions/acme.tuned/trust", { tier: "trusted" }),
    ),
    { id: "acme.tuned", trust: "trusted" },
  );
  const { extensions } = await json(await send(u.app, admin, "GET", "/api/extensions")) as {
    extensions: { id: string; trust: string }[];
  };
  assert.equal(extensions.find((e) => e.id === "acme.tuned")?.trust, "trusted");
});

Deno.test("audit: filtered by extension, kind, time and limit; the chain verifies", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  const list = async (query: string): Promise<{ kind: string; extension?: string }[]> =>
    (await json(await send(u.app, admin, "GET", `/api/audit${query}`)))["records"] as {
      kind: string;
      extension?: string;
    }[];
  const installs = await list("?kind=install");
  assert.deepEqual(installs.map((r) => r.extension), ["acme.benign", "acme.tuned"]);
  assert.deepEqual((await list("?ext=acme.tuned&kind=install")).map((r) => r.extension), [
    "acme.tuned",
  ]);
  assert.deepEqual((await list("?kind=install&limit=1")).map((r) => r.extension), ["acme.tuned"]);
  assert.deepEqual(await list("?since=2999-01-01T00:00:00Z"), []);
  assert.equal((await list("?until=2999-01-01T00:00:00%2B02:00")).length >= 2, true);
  assert.deepEqual(await json(await send(u.app, admin, "GET", "/api/audit/verify")), {
    ok: true,
    count: (await list("")).length,
  });
});

Deno.test("invalid input is refused with 400 InvalidInput naming the field", async (t) => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  const cases: [string, string, string, unknown, RegExp][] = [
    [
      "an id that is no extension id",
      "GET",
      "/api/extensions/Not_An_Id",
      undefined,
      /extension id/,
    ],
    ["a body that is not JSON", "POST", "/api/extensions/acme.tuned/grants", "{kind:", /not JSON/],
    ["an unknown kind", "POST", "/api/extensions/acme.tuned/grants", {
      kind: "root",
      value: "x",
    }, /kind: /],
    ["a missing value", "POST", "/api/extensions/acme.tuned/grants", { kind: "env" }, /value: /],
    ["an unknown field", "DELETE", "/api/extensions/acme.tuned/grants", {
      kind: "env",
      all: true,
    }, /all/],
    ["an unknown level", "PUT", "/api/extensions/acme.tuned/settings", {
      level: "global",
      values: {},
    }, /level: /],
    ["settings that are no object", "PUT", "/api/extensions/acme.tuned/settings", {
      level: "user",
      values: [1],
    }, /values: /],
    ["an unknown tier", "POST", "/api/extensions/acme.tuned/trust", { tier: "root" }, /tier: /],
    ["an audit kind", "GET", "/api/audit?kind=everything", undefined, /kind: /],
    ["an audit time", "GET", "/api/audit?since=yesterday", undefined, /since: /],
    ["an audit limit", "GET", "/api/audit?limit=0", undefined, /limit: /],
    ["an audit extension", "GET", "/api/audit?ext=..", undefined, /ext: /],
    ["an unknown audit filter", "GET", "/api/audit?user=me", undefined, /user/],
  ];
  for (const [name, method, path, body, field] of cases) {
    await t.step(name, async () => {
      await assertRefused(send(u.app, admin, method, path, body), 400, "InvalidInput", field);
    });
  }
});

Deno.test("an unknown extension or endpoint is refused with 404 NotFound", async (t) => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  const cases: [string, string, unknown?][] = [
    ["GET", "/api/extensions/acme.none"],
    ["POST", "/api/extensions/acme.none/start"],
    ["POST", "/api/extensions/acme.none/stop"],
    ["POST", "/api/extensions/acme.none/grants", { kind: "env", value: "LANG" }],
    ["DELETE", "/api/extensions/acme.none/grants", { kind: "env" }],
    ["PUT", "/api/extensions/acme.none/settings", { level: "user", values: {} }],
    ["POST", "/api/extensions/acme.none/trust", { tier: "trusted" }],
    ["POST", "/api/extensions/acme.benign/explode"],
    ["GET", "/api/nothing"],
  ];
  for (const [method, path, body] of cases) {
    await t.step(`${method} ${path}`, async () => {
      await assertRefused(send(u.app, admin, method, path, body), 404, "NotFound");
    });
  }
});

Deno.test("a fault of the host is a 500 Internal with no stack trace or detail", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  const fault = new Error("the disk at /secret/path is on fire");
  u.s.conductor.list = () => Promise.reject(fault);
  const response = await send(u.app, admin, "GET", "/api/extensions");
  const text = await response.clone().text();
  await assertRefused(response, 500, "Internal", /^Cannot answer GET \/api\/extensions/);
  assert.doesNotMatch(text, /secret|fire|\.ts:\d+/);
  assert.deepEqual(u.faults, [fault]);
});

/** Reads Server-Sent Events until one matches; the `ready` event and comments are skipped. */
async function nextEvent(
  reader: ReadableStreamDefaultReader<string>,
  buffer: { text: string },
  matches: (event: { topic: string; payload: Record<string, unknown> }) => boolean,
): Promise<{ topic: string; payload: Record<string, unknown> }> {
  for (;;) {
    let end: number;
    while ((end = buffer.text.indexOf("\n\n")) !== -1) {
      const block = buffer.text.slice(0, end);
      buffer.text = buffer.text.slice(end + 2);
      const lines = block.split("\n");
      if (lines.some((line) => line.startsWith("event: "))) continue;
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data === "") continue;
      const event = JSON.parse(data);
      if (matches(event)) return event;
    }
    const { value, done } = await reader.read();
    assert.ok(!done, "the event stream ended");
    buffer.text += value;
  }
}

Deno.test("GET /api/events streams state changes live and stops listening when the client leaves", async () => {
  await using u = await ui();
  const viewer = await signIn(u.app, "viewer");
  const bus = u.s.conductor.events;
  const subscribe = bus.subscribe.bind(bus);
  const unsubscribed = Promise.withResolvers<void>();
  bus.subscribe = (pattern, listener) => {
    const stop = subscribe(pattern, listener);
    return () => (stop(), unsubscribed.resolve());
  };
  const response = await send(u.app, viewer, "GET", "/api/events");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const reader = (response.body ?? ReadableStream.from([])).pipeThrough(new TextDecoderStream())
    .getReader();
  const buffer = { text: "" };
  const started = u.s.conductor.start("acme.benign");
  const ready = await nextEvent(
    reader,
    buffer,
    (e) =>
      e.topic === "extension.state" && e.payload["id"] === "acme.benign" &&
      e.payload["to"] === "ready",
  );
  assert.equal(ready.payload["from"], "starting");
  await started;
  await u.s.conductor.disable("acme.benign", "a test disabled it");
  const disabled = await nextEvent(reader, buffer, (e) => e.payload["to"] === "disabled");
  assert.equal(disabled.payload["reason"], "a test disabled it");
  await reader.cancel();
  await unsubscribed.promise;
});

Deno.test("GET /api/events streams permission denials, crashes, log lines and samples", async () => {
  await using u = await ui();
  const viewer = await signIn(u.app, "viewer");
  await u.s.install({
    id: "acme.doomed",
    main: `export function activate() {
      return {
        read: () => Deno.readTextFile("/etc/hostname"),
        crash: async () => {
          console.error("going down");
          await new Promise((resolve) => setTimeout(resolve, 50));
          Deno.exit(9);
        },
      };
    }`,
  });
  const response = await send(u.app, viewer, "GET", "/api/events");
  const reader = (response.body ?? ReadableStream.from([])).pipeThrough(new TextDecoderStream())
    .getReader();
  const buffer = { text: "" };
  await assertFails(u.s.conductor.call("acme.doomed", "read", null), "PermissionDenied");
  await assertFails(u.s.conductor.call("acme.doomed", "crash", null), "Crashed");
  const seen = new Map<string, Record<string, unknown>>();
  const topics = ["extension.denied", "extension.log", "extension.crashed", "extension.sample"];
  // The point of interest is the one with the calls, taken when the process exited.
  const wanted = (e: { topic: string; payload: Record<string, unknown> }): boolean =>
    topics.includes(e.topic) && (e.topic !== "extension.sample" || Number(e.payload["calls"]) > 0);
  while (!topics.every((topic) => seen.has(topic))) {
    const event = await nextEvent(reader, buffer, wanted);
    if (!seen.has(event.topic)) seen.set(event.topic, event.payload);
  }
  const pick = (topic: string, ...fields: string[]): unknown[] =>
    fields.map((field) => seen.get(topic)?.[field]);
  assert.deepEqual(pick("extension.denied", "id", "method"), ["acme.doomed", "read"]);
  assert.deepEqual(pick("extension.log", "id", "message"), ["acme.doomed", "going down"]);
  assert.deepEqual(pick("extension.crashed", "id", "kind"), ["acme.doomed", "crash"]);
  // The process is gone: the point carries the calls, and no memory.
  assert.deepEqual(pick("extension.sample", "id", "rssBytes"), ["acme.doomed", 0]);
  await reader.cancel();
});

Deno.test("the event stream ends when the server stops", async () => {
  const stop = new AbortController();
  await using u = await ui(stop.signal);
  const admin = await signIn(u.app, "admin");
  const response = await send(u.app, admin, "GET", "/api/events");
  const reader = (response.body ?? ReadableStream.from([])).pipeThrough(new TextDecoderStream())
    .getReader();
  assert.match((await reader.read()).value ?? "", /^event: ready\n/);
  stop.abort();
  // The stream must end soon: a stream left open fails the test instead of hanging it.
  const deadline = AbortSignal.timeout(5_000);
  let ended = false;
  while (!ended && !deadline.aborted) {
    const read = await Promise.race([
      reader.read(),
      new Promise<undefined>((resolve) =>
        deadline.addEventListener("abort", () => resolve(undefined))
      ),
    ]);
    ended = read?.done === true;
  }
  assert.equal(ended, true, "the event stream did not end when the server stopped");
});

/** Sends one raw HTTP/1.1 request with the given Host header; returns the status line. */
async function rawStatus(port: number, host: string): Promise<string> {
  using connection = await Deno.connect({ hostname: "127.0.0.1", port });
  await connection.write(
    new TextEncoder().encode(
      `GET /?token=x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    ),
  );
  const reply = await new Response(connection.readable).text();
  return reply.split("\r\n")[0] ?? "";
}

Deno.test("serveUi serves on 127.0.0.1: the token URL signs in over real HTTP", async () => {
  await using s = await stage();
  await using served = serveUi({ conductor: s.conductor, port: 0 });
  assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  assert.notEqual(served.port, 0);
  const signIn = await fetch(served.url, { redirect: "manual" });
  await signIn.body?.cancel();
  assert.equal(signIn.status, 303);
  assert.equal(signIn.headers.get("location"), "/");
  const setCookie = signIn.headers.get("set-cookie") ?? "";
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  const cookie = setCookie.split(";")[0] ?? "";
  const page = await fetch(`http://127.0.0.1:${served.port}/`, { headers: { cookie } });
  assert.match(await page.text(), /<div id="app">/);
  const session = await fetch(`http://127.0.0.1:${served.port}/api/session`, {
    headers: { cookie },
  });
  assert.equal((await session.json()).role, "admin");
  // A browser tricked by DNS rebinding sends the attacker's name as Host.
  assert.match(await rawStatus(served.port, "evil.example"), /^HTTP\/1\.1 403/);
  assert.match(await rawStatus(served.port, `127.0.0.1:${served.port}`), /^HTTP\/1\.1 401/);
});

Deno.test("serveUi refuses a port in use, or moves on to the next one when allowed", async () => {
  await using s = await stage();
  await using served = serveUi({ conductor: s.conductor, port: 0 });
  assert.throws(
    () => serveUi({ conductor: s.conductor, port: served.port }),
    (error: unknown) =>
      error instanceof SymphonyError && error.code === "ResourceExhausted" &&
      /port is in use/.test(error.message),
  );
  // The port after it may be taken too: retries go on to a free one.
  await using next = serveUi({
    conductor: s.conductor,
    port: served.port,
    portRetries: 20,
  });
  assert.ok(next.port > served.port && next.port <= served.port + 20);
});

Deno.test("symphony dev serves the UI, prints its URL and stops it on quit", async (t) => {
  await using dir = await tempDir();
  const dev = async (args: string[], commands: string): Promise<string> => {
    let out = "";
    const input = new TransformStream<Uint8Array, Uint8Array>();
    const writer = input.writable.getWriter();
    const url = Promise.withResolvers<string>();
    const done = devCommand(
      ["--home", `${dir.path}/home`, "--workspace", dir.path, ...args],
      {
        stdout: (text) => {
          out += text;
          if (text.startsWith("ready: ")) url.resolve(/^http:\S+$/m.exec(out)?.[0] ?? "");
        },
        stderr: (): void => {},
      },
      input.readable,
    );
    const printed = await url.promise;
    if (printed !== "") {
      const signIn = await fetch(printed, { redirect: "manual" });
      await signIn.body?.cancel();
      assert.equal(signIn.status, 303);
    }
    await writer.write(new TextEncoder().encode(commands));
    assert.equal(await done, 0);
    if (printed !== "") await assert.rejects(fetch(printed), TypeError, "the UI still answers");
    return out;
  };
  await t.step("--port 0", async () => {
    const out = await dev(["--port", "0"], "quit\n");
    assert.match(out, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}\n/m);
  });
  await t.step("--no-ui", async () => {
    assert.doesNotMatch(await dev(["--no-ui"], "quit\n"), /http:/);
  });
  await t.step("a --port that is no port", async () => {
    await assertFails(
      devCommand(["--port", "http"], { stdout: (): void => {}, stderr: (): void => {} }),
      "InvalidInput",
      /--port must be a port number/,
    );
  });
});

Deno.test("the page loads /app.js and /app.css from this server, without a session", async () => {
  await using u = await openUi({ clientScript: () => Promise.resolve("/* the client */") });
  const { cookie } = await signIn(u.app, "admin");
  const html = await (await u.app.request(`${UI_BASE}/`, { headers: { cookie } })).text();
  assert.match(html, /<script type="module" src="\/app\.js"><\/script>/);
  assert.match(html, /<link rel="stylesheet" href="\/app\.css">/);
  const script = await u.app.request(`${UI_BASE}/app.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get("content-type") ?? "", /^text\/javascript/);
  assert.equal(await script.text(), "/* the client */");
  const css = await u.app.request(`${UI_BASE}/app.css`);
  assert.equal(css.status, 200);
  assert.match(css.headers.get("content-type") ?? "", /^text\/css/);
  assert.match(await css.text(), /@media \(max-width: 700px\)/);
  await (await u.app.request(`${UI_BASE}/app.js`)).body?.cancel();
});

Deno.test("without a client script, /app.js is not found", async () => {
  await using u = await openUi();
  const response = await u.app.request(`${UI_BASE}/app.js`);
  await response.body?.cancel();
  assert.equal(response.status, 404);
});

Deno.test("audit verification is shared: requests at once start one run", async () => {
  await using u = await ui();
  const admin = await signIn(u.app, "admin");
  const audit = u.s.conductor.audit;
  const verify = audit.verify.bind(audit);
  let runs = 0;
  audit.verify = () => (runs++, verify());
  const answers = await Promise.all(
    [1, 2, 3].map(() => send(u.app, admin, "GET", "/api/audit/verify").then(json)),
  );
  assert.equal(runs, 1);
  assert.deepEqual(answers[0], answers[2]);
});

Deno.test("the session cookie is named after the port: hosts on one machine keep theirs", async () => {
  const host = "127.0.0.1:41234";
  await using u = await openUi({ host });
  const response = await u.app.request(`http://${host}/?token=${ADMIN_TOKEN}`, {
    headers: { host },
  });
  assert.match(response.headers.get("set-cookie") ?? "", /^symphony_session_41234=[0-9a-f]{64};/);
});
