/**
 * A problem found in a manifest, and how field paths are written.
 *
 * @module
 */

/** One problem a person can act on: where it is and what is wrong. */
export interface Problem {
  /** The field path, such as `permissions.read[1]` or `dependencies["acme.tokenizer"]`. */
  path: string;
  /** What is wrong, phrased so that a person can fix it. */
  message: string;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Writes a field path the way problems show it: `.key` for plain keys, `[n]`
 * for array indices and `["key"]` for keys with dots or other characters.
 *
 * @param segments The path segments, outermost first.
 * @returns The written path, or `manifest` for the root.
 *
 * @example
 * ```ts
 * import { formatFieldPath } from "./problem.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatFieldPath(["permissions", "read", 1]), "permissions.read[1]");
 * assert.equal(formatFieldPath(["dependencies", "acme.tokenizer"]), 'dependencies["acme.tokenizer"]');
 * assert.equal(formatFieldPath([]), "manifest");
 * ```
 */
export function formatFieldPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && PLAIN_KEY.test(segment)) {
      out += out === "" ? segment : `.${segment}`;
    } else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === "" ? "manifest" : out;
}

/**
 * Writes a problem as the one line the CLI prints: `<field.path>: <message>`.
 * Control characters a manifest put into the text (a newline in a value, say)
 * are escaped, so that one problem is always one line.
 *
 * @param problem The problem.
 * @returns The line, without a newline.
 *
 * @example
 * ```ts
 * import { formatProblem } from "./problem.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatProblem({ path: "id", message: "is required" }), "id: is required");
 * assert.equal(formatProblem({ path: "version", message: '"1\n2" is bad' }), 'version: "1\\n2" is bad');
 * ```
 */
export function formatProblem(problem: Problem): string {
  return `${oneLine(problem.path)}: ${oneLine(problem.message)}`;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function oneLine(text: string): string {
  return text.replace(
    CONTROL,
    (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
