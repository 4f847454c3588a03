import assert from "node:assert/strict";
import { messageKind } from "./protocol.ts";

type Kind = ReturnType<typeof messageKind>;

function expectKinds(cases: [string, unknown, Kind][]): (t: Deno.TestContext) => Promise<void> {
  return async (t) => {
    for (const [name, value, kind] of cases) {
      await t.step(name, () => assert.equal(messageKind(value), kind));
    }
  };
}

Deno.test(
  "messageKind() tells a request, which has an integer id and a method",
  expectKinds([
    ["with params", { jsonrpc: "2.0", id: 1, method: "call", params: { method: "x" } }, "request"],
    ["without params", { jsonrpc: "2.0", id: 7, method: "shutdown" }, "request"],
    ["id 0", { jsonrpc: "2.0", id: 0, method: "initialize" }, "request"],
    ["negative id", { jsonrpc: "2.0", id: -3, method: "call" }, "request"],
    ["largest safe id", { jsonrpc: "2.0", id: Number.MAX_SAFE_INTEGER, method: "x" }, "request"],
    ["empty method name", { jsonrpc: "2.0", id: 1, method: "" }, "request"],
  ]),
);

Deno.test(
  "messageKind() tells a notification, which has a method and no id",
  expectKinds([
    ["log", { jsonrpc: "2.0", method: "log", params: { text: "hi" } }, "notification"],
    ["$/cancel", { jsonrpc: "2.0", method: "$/cancel", params: { id: 1 } }, "notification"],
    ["without params", { jsonrpc: "2.0", method: "publish" }, "notification"],
  ]),
);

Deno.test(
  "messageKind() tells a response, with a result or a contract error",
  expectKinds([
    ["result object", { jsonrpc: "2.0", id: 1, result: { methods: [] } }, "response"],
    ["result null", { jsonrpc: "2.0", id: 2, result: null }, "response"],
    ["result false", { jsonrpc: "2.0", id: 3, result: false }, "response"],
    [
      "error",
      { jsonrpc: "2.0", id: 4, error: { code: "PermissionDenied", message: "Cannot x: y" } },
      "response",
    ],
    ["error with data", {
      jsonrpc: "2.0",
      id: 5,
      error: { code: "Timeout", message: "slow", data: { ms: 1 } },
    }, "response"],
  ]),
);

Deno.test(
  "messageKind() refuses values that are not messages",
  expectKinds([
    ["null", null, undefined],
    ["undefined", undefined, undefined],
    ["string", "request", undefined],
    ["number", 1, undefined],
    ["array (batch)", [{ jsonrpc: "2.0", id: 1, method: "call" }], undefined],
    ["empty array", [], undefined],
    ["empty object", {}, undefined],
    ["no jsonrpc", { id: 1, method: "call" }, undefined],
    ["jsonrpc 1.0", { jsonrpc: "1.0", id: 1, method: "call" }, undefined],
    ["jsonrpc as number", { jsonrpc: 2.0, id: 1, method: "call" }, undefined],
    ["jsonrpc only", { jsonrpc: "2.0" }, undefined],
    ["method not a string", { jsonrpc: "2.0", method: 5 }, undefined],
    ["result without id", { jsonrpc: "2.0", result: 1 }, undefined],
    ["error without id", { jsonrpc: "2.0", error: { code: "X", message: "m" } }, undefined],
    ["result with string id", { jsonrpc: "2.0", id: "1", result: 1 }, undefined],
    ["result with fractional id", { jsonrpc: "2.0", id: 1.5, result: 1 }, undefined],
    ["result with null id", { jsonrpc: "2.0", id: null, result: 1 }, undefined],
    ["result with unsafe id", { jsonrpc: "2.0", id: 2 ** 53, result: 1 }, undefined],
    ["result with NaN id", { jsonrpc: "2.0", id: NaN, result: 1 }, undefined],
    ["id but neither result nor error", { jsonrpc: "2.0", id: 1 }, undefined],
    ["error without code", { jsonrpc: "2.0", id: 1, error: { message: "m" } }, undefined],
    ["error without message", { jsonrpc: "2.0", id: 1, error: { code: "X" } }, undefined],
    ["error with numeric code", {
      jsonrpc: "2.0",
      id: 1,
      error: { code: -32600, message: "m" },
    }, undefined],
    ["error null", { jsonrpc: "2.0", id: 1, error: null }, undefined],
    ["error a string", { jsonrpc: "2.0", id: 1, error: "boom" }, undefined],
    ["error an array", { jsonrpc: "2.0", id: 1, error: ["X", "m"] }, undefined],
  ]),
);

Deno.test(
  "messageKind() refuses a message with a method and an id that is not an integer",
  // A request whose id is not an integer is malformed, not a notification: read
  // as a notification, the sender's request would silently never be answered.
  expectKinds([
    ["string id", { jsonrpc: "2.0", id: "1", method: "call" }, undefined],
    ["fractional id", { jsonrpc: "2.0", id: 1.5, method: "call" }, undefined],
    ["null id", { jsonrpc: "2.0", id: null, method: "call" }, undefined],
    ["unsafe integer id", { jsonrpc: "2.0", id: 2 ** 53, method: "call" }, undefined],
  ]),
);

Deno.test(
  "messageKind() refuses a response with both a result and an error",
  // JSON-RPC 2.0: "Either the result member or error member MUST be included, but
  // both members MUST NOT be included." The Conductor reads any `error` field of a
  // response as a failure, so `{ result, error: "boom" }` becomes an error with
  // no code and no message.
  expectKinds([
    ["valid error", {
      jsonrpc: "2.0",
      id: 1,
      result: 1,
      error: { code: "X", message: "m" },
    }, undefined],
    ["junk error", { jsonrpc: "2.0", id: 1, result: 1, error: "boom" }, undefined],
  ]),
);
