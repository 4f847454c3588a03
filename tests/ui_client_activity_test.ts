// The client's arithmetic behind the sparklines and live lists: figures over
// the last minute, points without a process, and joining what a page loaded
// with what the event stream brought since.
import assert from "node:assert/strict";
import { activityView } from "../ui/client/activity.ts";
import { appendFor, joined } from "../ui/client/live.ts";

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
