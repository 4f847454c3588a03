// The web UI's install endpoints through `app.request()` over a real
// Conductor: the permission review of a package directory, installs that
// grant less than requested, updates that ask for more, uninstalls, and
// every refusal.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Hono } from "hono";
import { type Extension, writeExtension } from "./extension_stage.ts";
import {
  json,
  openUi,
  refusal,
  send,
  type Session,
  signIn,
  type Ui as UiBase,
} from "./ui_session.ts";

/** Asks for a workspace folder, a host, everything on the network and an environment variable. */
const NOTES: Extension = {
  id: "acme.notes",
  permissions: {
    read: ["${workspace}/granted"],
    net: ["api.example.com", "*"],
    env: ["LANG"],
  },
  main: `export function activate() { return { run: () => null }; }`,
};

interface Ui extends UiBase {
  admin: Session;
  /** Writes an extension's package under a folder of its own; returns its directory. */
  write(extension: Extension, folder?: string): Promise<string>;
}

async function ui(): Promise<Ui> {
  const u = await openUi();
  return {
    ...u,
    admin: await signIn(u.app, "admin"),
    write: (extension, folder = "packages") => writeExtension(join(u.s.root, folder), extension),
  };
}

/** POSTs a JSON body as the page does; returns the answer, checked for `status`. */
function post(
  app: Hono,
  session: Session,
  path: string,
  body: unknown,
  status = 200,
): Promise<Record<string, unknown>> {
  return json(send(app, session, "POST", path, body), status);
}

Deno.test("POST /api/install/review explains a package in plain words before anything is installed", async () => {
  await using u = await ui();
  const dir = await u.write(NOTES);
  const review = await post(u.app, u.admin, "/api/install/review", { dir });
  assert.equal(review["id"], "acme.notes");
  assert.equal(review["version"], "1.0.0");
  assert.equal(review["type"], "operator");
  assert.equal(review["tier"], "community");
  assert.deepEqual(review["requests"], [
    { kind: "read", value: "${workspace}/granted", words: "read the workspace: granted" },
    { kind: "net", value: "api.example.com", words: "reach api.example.com" },
    {
      kind: "net",
      value: "*",
      words: "reach any host on the network",
      danger: "reaches any host on the network",
    },
    { kind: "env", value: "LANG", words: "see the environment variables LANG" },
  ]);
  assert.deepEqual(review["dangerous"], [
    { kind: "net", value: "*", reason: "reaches any host on the network" },
  ]);
  assert.ok((review["notAsked"] as string[]).includes("run programs"));
  assert.ok((review["notAsked"] as string[]).includes("write outside its own data directory"));
  assert.match(review["text"] as string, /^acme\.notes \(acme\.notes 1\.0\.0, operator\) asks to:/);
  assert.equal(review["update"], null);
  await assert.rejects(u.s.conductor.get("acme.notes"), /not installed|NotFound|no extension/i);
});

Deno.test("POST /api/install/review refuses an invalid manifest with 400 naming the field", async () => {
  await using u = await ui();
  const dir = await u.write(NOTES);
  const file = join(dir, "extension.json");
  const manifest = JSON.parse(await Deno.readTextFile(file));
  await Deno.writeTextFile(file, JSON.stringify({ ...manifest, version: "one" }));
  const error = await refusal(send(u.app, u.admin, "POST", "/api/install/review", { dir }), 400);
  assert.equal(error.code, "InvalidManifest");
  assert.match(error.message, /version/);
  const missing = await refusal(send(u.app, u.admin, "POST", "/api/install/review", {}), 400);
  assert.equal(missing.code, "InvalidInput");
  assert.match(missing.message, /dir/);
});

Deno.test("a viewer may not review, install or uninstall: 403 PermissionDenied", async (t) => {
  await using u = await ui();
  const viewer = await signIn(u.app, "viewer");
  const dir = await u.write(NOTES);
  const cases: [string, unknown][] = [
    ["/api/install/review", { dir }],
    ["/api/install", { dir }],
    ["/api/extensions/acme.benign/uninstall", {}],
  ];
  for (const [path, body] of cases) {
    await t.step(path, async () => {
      const error = await refusal(send(u.app, viewer, "POST", path, body), 403);
      assert.equal(error.code, "PermissionDenied");
    });
  }
  assert.equal((await u.s.conductor.list()).length, 1);
});

Deno.test("an admin's install request without the CSRF token is refused with 403", async () => {
  await using u = await ui();
  const dir = await u.write(NOTES);
  const noCsrf = { cookie: u.admin.cookie };
  const response = send(u.app, undefined, "POST", "/api/install", { dir }, noCsrf);
  assert.equal((await refusal(response, 403)).code, "PermissionDenied");
  assert.deepEqual((await u.s.conductor.list()).map((e) => e.id), ["acme.benign"]);
});

Deno.test("POST /api/install grants only the admin's selection; the rest is denied", async () => {
  await using u = await ui();
  const dir = await u.write(NOTES);
  const installed = await post(u.app, u.admin, "/api/install", {
    dir,
    grants: { read: ["${workspace}/granted"], net: ["api.example.com"] },
  });
  assert.equal(installed["id"], "acme.notes");
  assert.equal(installed["update"], false);
  const grants = await u.s.conductor.grants("acme.notes");
  assert.deepEqual(grants.read, { granted: ["${workspace}/granted"], denied: [] });
  assert.deepEqual(grants.net, { granted: ["api.example.com"], denied: ["*"] });
  assert.deepEqual(grants.env, { granted: [], denied: ["LANG"] });
  const permissions = installed["permissions"] as Record<string, { denied: string[] }>;
  assert.deepEqual(permissions["env"]?.denied, ["LANG"]);
  const [record] = u.s.conductor.audit.list({ extension: "acme.notes", kind: "install" });
  assert.match(record?.actor ?? "", /^ui:admin#\d+ \(conductor\)$/);
});

Deno.test("POST /api/install refuses a grant that was not requested, and installs nothing", async () => {
  await using u = await ui();
  const dir = await u.write(NOTES);
  const error = await refusal(
    send(u.app, u.admin, "POST", "/api/install", { dir, grants: { env: ["HOME"] } }),
    400,
  );
  assert.equal(error.code, "InvalidInput");
  assert.match(error.message, /grants\.env names HOME, which it does not request/);
  assert.deepEqual((await u.s.conductor.list()).map((e) => e.id), ["acme.benign"]);
});

Deno.test("an update's review shows the permissions it adds; installing it needs an enable", async () => {
  await using u = await ui();
  const first: Extension = { ...NOTES, permissions: { env: ["LANG"] } };
  await post(u.app, u.admin, "/api/install", { dir: await u.write(first, "v1") });
  const next: Extension = {
    ...NOTES,
    version: "1.1.0",
    permissions: { env: ["LANG"], net: ["api.example.com"] },
  };
  const dir = await u.write(next, "v2");
  const review = await post(u.app, u.admin, "/api/install/review", { dir });
  assert.deepEqual(review["update"], { from: "1.0.0", added: ["net: api.example.com"] });
  assert.match(review["text"] as string, /NEW permissions: net: api\.example\.com/);

  const updated = await post(u.app, u.admin, "/api/install", { dir });
  assert.equal(updated["update"], true);
  assert.equal(updated["version"], "1.1.0");
  assert.notEqual(updated["disabled"], null);
  assert.equal((await u.s.conductor.get("acme.notes")).version, "1.1.0");
});

Deno.test("POST /api/extensions/:id/uninstall refuses while a dependent exists, unless forced", async () => {
  await using u = await ui();
  await post(u.app, u.admin, "/api/install", { dir: await u.write(NOTES) });
  const user: Extension = {
    id: "acme.user",
    dependencies: { "acme.notes": "^1.0.0" },
    main: `export function activate() { return { run: () => null }; }`,
  };
  await post(u.app, u.admin, "/api/install", { dir: await u.write(user) });

  const refused = await refusal(
    send(u.app, u.admin, "POST", "/api/extensions/acme.notes/uninstall", {}),
    409,
  );
  assert.equal(refused.code, "DependencyError");
  assert.match(refused.message, /acme\.user depends on it/);
  assert.ok(await u.s.conductor.get("acme.notes"));

  const forced = await post(u.app, u.admin, "/api/extensions/acme.notes/uninstall", {
    force: true,
    keepData: true,
  });
  assert.equal(forced["id"], "acme.notes");
  const [uninstalled] = u.s.conductor.audit.list({ extension: "acme.notes", kind: "uninstall" });
  assert.match(uninstalled?.actor ?? "", /^ui:admin#\d+ \(conductor\)$/);
  assert.equal(typeof forced["dataKept"], "string");
  const removed = await post(u.app, u.admin, "/api/extensions/acme.user/uninstall", {});
  assert.equal(removed["version"], "1.0.0");
  assert.deepEqual((await u.s.conductor.list()).map((e) => e.id), ["acme.benign"]);

  const unknown = await refusal(
    send(u.app, u.admin, "POST", "/api/extensions/acme.user/uninstall", {}),
    404,
  );
  assert.equal(unknown.code, "NotFound");
  const bad = await refusal(
    send(u.app, u.admin, "POST", "/api/extensions/acme.benign/uninstall", { force: "yes" }),
    400,
  );
  assert.equal(bad.code, "InvalidInput");
  assert.match(bad.message, /force/);
});
