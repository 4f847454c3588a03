/**
 * Reading a JSON request body and checking it against a zod schema.
 *
 * @module
 */
import type { Context } from "hono";
import type { z } from "zod";
import { SymphonyError } from "../../symphony_error.ts";
import { parseInput } from "./_parse_input.ts";

/**
 * Reads the request's JSON body.
 *
 * @param c The request's context.
 * @param schema What the body must be.
 * @returns The parsed body.
 * @throws {SymphonyError} `InvalidInput` when the body is not JSON or does not fit the schema.
 */
export async function readBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch (cause) {
    throw new SymphonyError("InvalidInput", "Cannot accept the request body: it is not JSON", {
      cause,
    });
  }
  return parseInput(schema, body, "the request body");
}
