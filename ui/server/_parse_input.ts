/**
 * Checking what a client sent against a zod schema, failing with
 * `InvalidInput` that names each field and what is wrong with it.
 *
 * @module
 */
import type { z } from "zod";
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
  const issues = result.error.issues.slice(0, 5).map((issue) =>
    `${issue.path.map(String).join(".") || "value"}: ${issue.message}`
  );
  throw new SymphonyError("InvalidInput", `Cannot accept ${what}: ${issues.join("; ")}`);
}
