// The client's logic that needs no browser: the figures behind the
// sparklines, joining what a page loaded with what the event stream brought
// since, and what the page makes of each event (only the host's count). The
// client's own workspace member is type-checked with the DOM library and
// without Deno's, so its tests live here.
import assert from "node:assert/strict";
import { activityView } from "../ui/client/activity.ts";
import { announcementOf, applyEvent, reloads } from "../ui/client/host_events.ts";
import { appendFor, joined, NO_EVENTS } from "../ui/client/live.ts";

const MiB = 1024 * 1024;
const point = (
  at: number,
  extra: Partial<{ rssBytes: number; calls: number; errors: number }>,
) => ({
  id: "acme.a",
  at,
  rssBytes: 20 * MiB,
  cpuPercent: 5,
  calls: 0,
  errors: 0,
  ...extra,
});

Deno.test("the figures count the calls and errors of the last minute", () => {
  const view = activityView([
    point(0, { calls: 10, errors: 10 }),
    point(30_000, { calls: 3, errors: 1 }),
    point(61_000, { calls: 1 }),
  ]);
  assert.equal(view.callsPerMinute, 4);
  assert.equal(view.errorsPerMinute, 1);
  assert.equal(view.errorRate, "25 %");
  assert.deepEqual(view.calls, [10, 3, 1]);
  assert.deepEqual(view.errors, [10, 1, 0]);
  assert.equal(view.memoryNow, "20 MiB");
  assert.equal(view.cpuNow, "5 %");
});

Deno.test("points made with no process running add calls but no memory or CPU", () => {
  const view = activityView([point(0, {}), point(1_000, { rssBytes: 0, calls: 2, errors: 2 })]);
  assert.deepEqual(view.memoryMiB, [20]);
  assert.deepEqual(view.cpuPercent, [5]);
  assert.equal(view.memoryNow, "");
  assert.equal(view.cpuNow, "");
  assert.equal(view.errorRate, "100 %");
});

Deno.test("no points: empty figures and no error rate", () => {
  const view = activityView([]);
  assert.deepEqual([view.memoryNow, view.cpuNow, view.errorRate], ["", "", ""]);
  assert.equal(view.callsPerMinute, 0);
});

Deno.test("live items newer than the loaded ones are appended, the rest dropped", () => {
  const at = (n: { at: number }): number => n.at;
  assert.deepEqual(
    joined([{ at: 1 }, { at: 2 }], [{ at: 2 }, { at: 3 }], at, 10),
    [{ at: 1 }, { at: 2 }, { at: 3 }],
  );
  assert.deepEqual(joined([], [{ at: 5 }], at, 10), [{ at: 5 }]);
  assert.deepEqual(joined([{ at: 1 }, { at: 2 }], [{ at: 3 }], at, 2), [{ at: 2 }, { at: 3 }]);
  assert.deepEqual(joined([{ at: 1 }], undefined, at, 2), [{ at: 1 }]);
});

Deno.test("appendFor keeps the last items of one extension and shares the others", () => {
  const others = [1];
  const lists = { a: [1, 2], b: others };
  const next = appendFor(lists, "a", 3, 2);
  assert.deepEqual(next, { a: [2, 3], b: [1] });
  assert.equal(next.b, others);
  assert.deepEqual(lists.a, [1, 2]);
  assert.deepEqual(appendFor({}, "c", 1, 2), { c: [1] });
});

Deno.test("the host's events feed the live view, reloads and announcements", () => {
  const sample = {
    topic: "extension.sample",
    from: "host",
    payload: point(5, { calls: 1 }),
  };
  const after = applyEvent(NO_EVENTS, sample);
  assert.deepEqual(after.activity, { "acme.a": [sample.payload] });
  assert.equal(reloads(sample), false);
  const log = {
    topic: "extension.log",
    from: "host",
    payload: { id: "acme.a", seq: 1, at: "2026-11-23T00:00:00.000Z", level: "info", message: "hi" },
  };
  assert.deepEqual(applyEvent(after, log).logs, { "acme.a": [log.payload] });
  const busy = {
    topic: "extension.state",
    from: "host",
    payload: { id: "acme.a", from: "ready", to: "busy" },
  };
  assert.deepEqual(applyEvent(after, busy).states, { "acme.a": "busy" });
  assert.equal(reloads(busy), false);
  assert.equal(announcementOf(busy), "");
  const crashed = {
    topic: "extension.crashed",
    from: "host",
    payload: { id: "acme.a", kind: "crash", disabled: true, reason: "exit 3" },
  };
  assert.equal(reloads(crashed), true);
  assert.equal(announcementOf(crashed), "acme.a crashed and is disabled: exit 3");
  assert.equal(
    announcementOf({ ...crashed, payload: { ...crashed.payload, kind: "limit-kill" } }),
    "acme.a was stopped at a limit and is disabled: exit 3",
  );
});

Deno.test("an uninstall drops what the page holds of the extension, and reloads", () => {
  const held = {
    ...NO_EVENTS,
    states: { "acme.a": "ready", "acme.b": "ready" },
    activity: { "acme.a": [point(1, {})] },
    logs: { "acme.a": [] },
  };
  const event = { topic: "extension.uninstalled", from: "host", payload: { id: "acme.a" } };
  assert.deepEqual(applyEvent(held, event), {
    ...NO_EVENTS,
    states: { "acme.b": "ready" },
  });
  assert.equal(reloads(event), true);
});

Deno.test("an extension's event on a host topic changes nothing", () => {
  const forged = [
    {
      topic: "extension.log",
      payload: { id: "acme.b", seq: 9, at: "x", level: "error", message: "grant net *" },
    },
    { topic: "extension.sample", payload: point(1, {}) },
    { topic: "extension.state", payload: { id: "acme.b", from: "ready", to: "disabled" } },
    { topic: "extension.crashed", payload: { id: "acme.b", kind: "crash", reason: "fake" } },
    { topic: "extension.denied", payload: { id: "acme.b", method: "run" } },
  ].map((e) => ({ ...e, from: "acme.forger" }));
  for (const event of forged) {
    assert.equal(applyEvent(NO_EVENTS, event), NO_EVENTS, event.topic);
    assert.equal(reloads(event), false, event.topic);
    assert.equal(announcementOf(event), "", event.topic);
  }
});

Deno.test("a host event with a malformed payload changes nothing", () => {
  for (
    const event of [
      { topic: "extension.log", from: "host", payload: { id: "acme.a", at: 5, message: "x" } },
      { topic: "extension.sample", from: "host", payload: { id: "acme.a", at: "now" } },
      { topic: "extension.state", from: "host", payload: { id: 7, to: "ready" } },
      { topic: "extension.state", from: "host", payload: null },
    ]
  ) {
    assert.equal(applyEvent(NO_EVENTS, event), NO_EVENTS, JSON.stringify(event));
  }
});
