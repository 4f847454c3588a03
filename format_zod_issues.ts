/**
 * How a failed zod parse is written in an `InvalidInput` message: one
 * `<field>: <message>` a problem, joined with `; `. The Conductor's Pit
 * requests, the web UI's input checks and the command line's options share it.
 *
 * @module
 */
import type { z } from "zod";

/** How {@linkcode formatZodIssues} writes the issues. */
export interface FormatZodIssuesOptions {
  /** The most issues written, first ones first. Default: all of them. */
  max?: number;
  /**
   * Names the field at a path. Default: its keys joined with dots
   * (`resources.0.name`). An empty or `undefined` name is written as `root`.
   */
  field?: (path: readonly PropertyKey[]) => string | undefined;
  /** The name of the value itself, for an issue with no field. Default: `value`. */
  root?: string;
}

/**
 * Writes zod issues as one line: `<field>: <message>` for each, joined with `; `.
 *
 * @param issues The issues of a failed parse (`result.error.issues`).
 * @param options How many, and how fields are named.
 * @returns The line, such as `name: Too small: expected string to have >=1 characters`.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { formatZodIssues } from "./format_zod_issues.ts";
 * import assert from "node:assert/strict";
 *
 * const schema = z.strictObject({ name: z.string(), tags: z.array(z.string()) });
 * const result = schema.safeParse({ name: 1, tags: ["a", 2] });
 * assert.ok(!result.success);
 * assert.equal(
 *   formatZodIssues(result.error.issues),
 *   "name: Invalid input: expected string, received number; " +
 *     "tags.1: Invalid input: expected string, received number",
 * );
 * assert.equal(
 *   formatZodIssues(result.error.issues, { max: 1, field: (path) => `--${String(path[0])}` }),
 *   "--name: Invalid input: expected string, received number",
 * );
 * const empty = schema.safeParse(null);
 * assert.ok(!empty.success);
 * assert.equal(
 *   formatZodIssues(empty.error.issues, { root: "params" }),
 *   "params: Invalid input: expected object, received null",
 * );
 * ```
 */
export function formatZodIssues(
  issues: readonly z.core.$ZodIssue[],
  options: FormatZodIssuesOptions = {},
): string {
  const { max = issues.length, field = dotted, root = "value" } = options;
  return issues.slice(0, max).map((issue) => `${field(issue.path) || root}: ${issue.message}`)
    .join("; ");
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}
