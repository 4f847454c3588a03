// The event bus as extensions use it: declared topics only, wildcard
// subscriptions, lazy activation on the first event, order per publisher,
// rate limits the publisher is told about, and the host seeing lifecycle events.
import assert from "node:assert/strict";
import { type BusEvent, EventBus } from "../conductor/mod.ts";
import { attacker, type Extension, stage } from "./extension_stage.ts";

function listener(id: string, pattern: string): Extension {
  return {
    id,
    events: { subscribe: [pattern] },
    main: `export function activate() { return {}; }
      export function onEvent(event, ctx) {
        console.log("got " + event.topic + " " + JSON.stringify(event.payload) + " from " + event.from);
      }`,
  };
}

function publisher(id: string, body: string): Extension {
  return attacker(id, body, { events: { publish: ["file.saved", "format.done"] } });
}

Deno.test("a subscriber starts on its first event and gets only the topics it matches", async () => {
  await using s = await stage();
  await s.install(listener("acme.files", "file.*"));
  await s.install(
    publisher(
      "acme.pub",
      "ctx.publish('format.done', 1); ctx.publish('file.saved', { path: 'a.ts' }); return 'sent';",
    ),
  );
  assert.equal(s.conductor.isRunning("acme.files"), false);
  assert.equal(await s.conductor.call("acme.pub", "run", null), "sent");
  const got = await s.nextLog((l) => l.id === "acme.files" && l.message.startsWith("got "));
  assert.equal(got.message, 'got file.saved {"path":"a.ts"} from acme.pub');
  assert.equal(s.conductor.isRunning("acme.files"), true, "it was started by the event");
  assert.ok(!s.logs.some((l) => l.id === "acme.files" && l.message.includes("format.done")));
});

Deno.test("events from one publisher arrive in order", async () => {
  await using s = await stage();
  await s.install(listener("acme.counter", "file.saved"));
  await s.install(
    publisher(
      "acme.seq",
      "for (let i = 0; i < 100; i++) ctx.publish('file.saved', i); return 'sent';",
    ),
  );
  await s.conductor.call("acme.seq", "run", null);
  await s.nextLog((l) =>
    l.id === "acme.counter" && l.message === "got file.saved 99 from acme.seq"
  );
  const order = s.logs.filter((l) => l.id === "acme.counter").map((l) =>
    Number(l.message.split(" ")[2])
  );
  assert.deepEqual(order, Array.from({ length: 100 }, (_, i) => i));
});

Deno.test("a publisher past its rate or size limit is dropped, counted and told", async () => {
  await using s = await stage({}, { eventLimits: { burst: 10, ratePerSecond: 1 } });
  await s.install(
    publisher(
      "acme.loud",
      "for (let i = 0; i < 50; i++) ctx.publish('file.saved', i); ctx.publish('format.done', 'x'.repeat(100000)); return 'sent';",
    ),
  );
  await s.conductor.call("acme.loud", "run", null);
  await s.nextLog((l) =>
    l.id === "acme.loud" &&
    /the host dropped an event on file\.saved: more than 1 events a second/.test(l.message)
  );
  assert.deepEqual(s.conductor.events.stats().get("acme.loud"), { published: 10, dropped: 41 });
});

Deno.test("host-side subscribers see extensions' events and lifecycle events", async () => {
  await using s = await stage();
  const seen: BusEvent[] = [];
  s.conductor.events.subscribe("extension.state", (event) => seen.push(event));
  s.conductor.events.subscribe("file.*", (event) => seen.push(event));
  await s.install(publisher("acme.saver", "ctx.publish('file.saved', 'a'); return 1;"));
  await s.conductor.call("acme.saver", "run", null);
  const deadline = Date.now() + 5_000;
  while (!seen.some((e) => e.topic === "file.saved")) {
    assert.ok(Date.now() < deadline, "the event never reached the host subscriber");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const states = seen.filter((e) => e.topic === "extension.state" && e.from === "host")
    .map((e) => (e.payload as { id: string; to: string }))
    .filter((p) => p.id === "acme.saver").map((p) => p.to);
  assert.deepEqual(states.slice(0, 2), ["starting", "ready"]);
  assert.deepEqual(seen.find((e) => e.topic === "file.saved")?.from, "acme.saver");
});

Deno.test("EventBus refuses payloads over the size cap and values that are not JSON", () => {
  const bus = new EventBus({ maxPayloadBytes: 10 });
  const result = bus.publish("acme.a", "file.saved", "x".repeat(20));
  assert.deepEqual(result, {
    ok: false,
    reason: "size",
    message: "the payload is 22 bytes, over 10",
  });
  assert.equal(bus.publish("acme.a", "file.saved", 10n).ok, false);
  assert.deepEqual(bus.stats().get("acme.a"), { published: 0, dropped: 2 });
});
