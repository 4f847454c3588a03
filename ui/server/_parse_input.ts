/**
 * Checking what a client sent against a zod schema, failing with
 * `InvalidInput` that names each field and what is wrong with it.
 *
 * @module
 */
import type { z } from "zod";
import { formatZodIssues } from "../../format_zod_issues.ts";
import { SymphonyError } from "../../symphony_error.ts";

/**
 * Parses a value a client sent.
 *
 * @param schema What it must be.
 * @param value The value (a path parameter, the query, the JSON body).
 * @param what What it is, for the message: `the request body`, `the query`.
 * @returns The parsed value.
 * @throws {SymphonyError} `InvalidInput` naming the fields (at most five), such as
 *   "Cannot accept the request body: kind: Invalid option: expected one of …".
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = formatZodIssues(result.error.issues, { max: 5 });
  throw new SymphonyError("InvalidInput", `Cannot accept ${what}: ${issues}`);
}
