// The motif bridge's server side through `app.request()`: a motif's panel
// tree is rendered, a click is answered with a new tree, and every hostile
// tree (script nodes, `javascript:` values, event-handler and raw-HTML props,
// unknown types, huge, deep or long trees) is refused with `InvalidOutput`.
import assert from "node:assert/strict";
import { installMotif } from "./extension_stage.ts";
import type { PanelNode } from "../stage/sdk.ts";
import type { MotifNode } from "../ui/server/_motif_tree.ts";
import { json, openUi, refusal, send, type Session, signIn } from "./ui_session.ts";

/** A counter panel: `render` shows the count, a click on `inc` adds one. */
const COUNTER = `
let count = 0;
let name = "";
const tree = () => ({
  type: "heading",
  props: { text: "Counter", level: 3 },
  children: [
    { type: "text", props: { text: "Count: " + count } },
    { type: "button", props: { id: "inc", label: "Add one" } },
    { type: "input", props: { id: "name", label: "Name", value: name } },
    { type: "text", props: { text: "Hello, " + (name || "nobody") } },
    { type: "badge", props: { text: count > 0 ? "counted" : "idle", tone: count > 0 ? "ok" : "neutral" } },
    { type: "progress", props: { value: Math.min(count / 10, 1), label: "Towards ten" } },
    { type: "list", props: { items: ["one", "two"] } },
    { type: "table", props: { columns: ["n", "square"], rows: [[count, count * count]] } },
    { type: "chart", props: { points: [1, 3, 2, count], label: "Counts" } },
  ],
});
export function activate() {
  return {
    render: () => tree(),
    event: (e) => {
      if (e.id === "inc" && e.kind === "click") count++;
      if (e.id === "name" && e.kind === "input") name = e.value ?? "";
      return tree();
    },
  };
}`;

/** Each event id answers with one hostile tree; `render` answers with a script node. */
const HOSTILE = `
const text = (t) => ({ type: "text", props: { text: t } });
const deep = () => {
  let node = text("bottom");
  for (let i = 0; i < 999; i++) node = { type: "heading", props: { text: "h" }, children: [node] };
  return node;
};
const trees = {
  script: () => ({ type: "heading", props: { text: "x" }, children: [{ type: "script", props: { text: "window.__pwned = 1" } }] }),
  jsText: () => text("javascript:alert(1)"),
  jsListItem: () => ({ type: "list", props: { items: ["ok", "JaVaScRiPt:alert(1)"] } }),
  jsTableCell: () => ({ type: "table", props: { columns: ["a"], rows: [["java\\tscript:alert(1)"]] } }),
  jsButtonId: () => ({ type: "button", props: { id: "javascript:x", label: "x" } }),
  onclick: () => ({ type: "button", props: { id: "b", label: "x", onclick: "alert(1)" } }),
  onError: () => ({ type: "text", props: { text: "x", onError: "alert(1)" } }),
  innerHtml: () => ({ type: "text", props: { text: "x", dangerouslySetInnerHTML: { __html: "<img src=x onerror=alert(1)>" } } }),
  href: () => ({ type: "text", props: { text: "x", href: "https://evil.example" } }),
  src: () => ({ type: "badge", props: { text: "x", src: "https://evil.example/a.png" } }),
  unknownType: () => ({ type: "iframe", props: {} }),
  unknownProp: () => ({ type: "text", props: { text: "x", style: "color: red" } }),
  badLevel: () => ({ type: "heading", props: { text: "x", level: 7 } }),
  badTone: () => ({ type: "badge", props: { text: "x", tone: "<b>" } }),
  notANode: () => "<script>window.__pwned = 1</script>",
  wide: () => ({ type: "list", props: { items: [] }, children: Array.from({ length: 99_999 }, () => text("x")) }),
  deep,
  longString: () => text("x".repeat(1024 * 1024)),
};
export function activate() {
  return {
    render: () => trees.script(),
    event: (e) => trees[e.id](),
  };
}`;

// The SDK's panel types stay within what the host accepts (checked when type checking).
const _panelNodesAreMotifNodes = (node: PanelNode): MotifNode => node;

Deno.test("a motif panel renders, answers a click and an input with new trees, and refuses hostile trees", async (t) => {
  await using u = await openUi();
  await installMotif(u.s, "acme.counter", COUNTER);
  await installMotif(u.s, "acme.hostile", HOSTILE);
  const admin = await signIn(u.app, "admin");
  const viewer = await signIn(u.app, "viewer");
  const get = (session: Session, id: string): Promise<Response> =>
    send(u.app, session, "GET", `/api/extensions/${id}/panel`);
  const post = (
    session: Session | undefined,
    id: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<Response> =>
    send(u.app, session, "POST", `/api/extensions/${id}/panel/event`, body, headers);
  const textsOf = (tree: unknown): string[] =>
    (tree as { children: { type: string; props: { text?: string } }[] }).children
      .filter((node) => node.type === "text")
      .map((node) => node.props.text ?? "");

  await t.step("a viewer's look at a stopped motif does not start it", async () => {
    const refused = await refusal(await get(viewer, "acme.counter"), 403);
    assert.equal(refused.code, "PermissionDenied");
    assert.match(refused.message, /not running, and only an admin may start it/);
    assert.equal(u.s.conductor.isRunning("acme.counter"), false);
  });

  await t.step("GET panel answers the motif's render tree, checked", async () => {
    const body = await json(await get(admin, "acme.counter"), 200);
    assert.equal(body["id"], "acme.counter");
    const tree = body["tree"] as { type: string; props: unknown; children: unknown[] };
    assert.equal(tree.type, "heading");
    assert.deepEqual(tree.props, { text: "Counter", level: 3 });
    assert.equal(tree.children.length, 9);
    assert.deepEqual(textsOf(tree), ["Count: 0", "Hello, nobody"]);
  });

  await t.step("a click and an input are answered with new trees", async () => {
    const clicked = await json(
      await post(admin, "acme.counter", { id: "inc", kind: "click" }),
      200,
    );
    assert.deepEqual(textsOf(clicked["tree"]), ["Count: 1", "Hello, nobody"]);
    const typed = await json(
      await post(admin, "acme.counter", { id: "name", kind: "input", value: "Ada" }),
      200,
    );
    assert.deepEqual(textsOf(typed["tree"]), ["Count: 1", "Hello, Ada"]);
    const again = await json(await get(viewer, "acme.counter"), 200);
    assert.deepEqual(textsOf(again["tree"]), ["Count: 1", "Hello, Ada"]);
  });

  await t.step(
    "events need the CSRF token and the admin role; viewers only see panels",
    async () => {
      const noCsrf = await refusal(
        // The session cookie without the CSRF header.
        await post(undefined, "acme.counter", { id: "inc", kind: "click" }, {
          cookie: admin.cookie,
        }),
        403,
      );
      assert.match(noCsrf.message, /X-CSRF-Token/);
      const asViewer = await refusal(
        await post(viewer, "acme.counter", { id: "inc", kind: "click" }),
        403,
      );
      assert.equal(asViewer.code, "PermissionDenied");
      assert.match(asViewer.message, /admin role/);
      const after = await json(await get(admin, "acme.counter"), 200);
      assert.deepEqual(textsOf(after["tree"]), ["Count: 1", "Hello, Ada"]);
    },
  );

  await t.step("a malformed event is refused with InvalidInput", async (t) => {
    const cases: [string, unknown][] = [
      ["not JSON", "{"],
      ["unknown kind", { id: "inc", kind: "hover" }],
      ["bad id", { id: "<script>", kind: "click" }],
      ["extra field", { id: "inc", kind: "click", html: "<b>" }],
      ["value too long", { id: "name", kind: "input", value: "x".repeat(10_001) }],
    ];
    for (const [name, body] of cases) {
      await t.step(name, async () => {
        assert.equal(
          (await refusal(await post(admin, "acme.counter", body), 400)).code,
          "InvalidInput",
        );
      });
    }
  });

  await t.step("an extension that is not a motif, or not installed, has no panel", async () => {
    const operator = await refusal(await get(admin, "acme.benign"), 404);
    assert.equal(operator.code, "NotFound");
    assert.match(operator.message, /acme\.benign: it is an operator, not a motif/);
    assert.equal((await refusal(await get(admin, "acme.missing"), 404)).code, "NotFound");
    const event = await refusal(await post(admin, "acme.benign", { id: "x", kind: "click" }), 404);
    assert.equal(event.code, "NotFound");
    assert.equal((await refusal(await get(admin, "Not An Id"), 400)).code, "InvalidInput");
  });

  await t.step("the hostile motif's render tree (a script node) is refused", async () => {
    const error = await refusal(await get(admin, "acme.hostile"), 502);
    assert.equal(error.code, "InvalidOutput");
    assert.match(
      error.message,
      /^Cannot show the panel of acme\.hostile render: \$\.children\[0\]\.type: /,
    );
    assert.doesNotMatch(JSON.stringify(error), /__pwned/);
  });

  await t.step(
    "hostile trees from events are refused with InvalidOutput naming path and reason",
    async (t) => {
      const cases: [string, RegExp][] = [
        ["script", /\$\.children\[0\]\.type: Invalid discriminator/],
        ["jsText", /\$\.props\.text: javascript: URLs are not allowed/],
        ["jsListItem", /\$\.props\.items\[1\]: javascript: URLs are not allowed/],
        ["jsTableCell", /\$\.props\.rows\[0\]\[0\]: javascript: URLs are not allowed/],
        ["jsButtonId", /\$\.props\.id: javascript: URLs are not allowed/],
        ["onclick", /\$\.props\.onclick: event-handler props are not allowed/],
        ["onError", /\$\.props\.onError: event-handler props are not allowed/],
        ["innerHtml", /\$\.props\.dangerouslySetInnerHTML: raw HTML props are not allowed/],
        ["href", /\$\.props\.href: URL props are not allowed/],
        ["src", /\$\.props\.src: URL props are not allowed/],
        ["unknownType", /\$\.type: Invalid discriminator/],
        ["unknownProp", /\$\.props: Unrecognized key: "style"/],
        ["badLevel", /\$\.props\.level: Too big/],
        ["badTone", /\$\.props\.tone: Invalid option/],
        ["notANode", /\$: /],
        ["wide", /: the tree has over 2000 nodes/],
        ["deep", /\$(\.children\[0\]){20}: the tree is over 20 levels deep/],
        ["longString", /\$\.props\.text: a string is over 10000 characters/],
      ];
      for (const [id, reason] of cases) {
        await t.step(id, async () => {
          const response = await post(admin, "acme.hostile", { id, kind: "click" });
          const error = await refusal(response, 502);
          assert.equal(error.code, "InvalidOutput");
          assert.match(error.message, /^Cannot show the panel of acme\.hostile event: /);
          assert.match(error.message, reason);
          assert.ok(error.message.length < 1_000, "the refusal echoes the tree");
        });
      }
    },
  );
});
