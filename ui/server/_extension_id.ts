/**
 * The `:id` path parameter of the extension endpoints, checked against the
 * manifest's id rule.
 *
 * @module
 */
import type { Context } from "hono";
import { metadataSchema } from "../../manifest/mod.ts";
import { parseInput } from "./_parse_input.ts";

/**
 * Reads the `:id` path parameter.
 *
 * @param c The request's context.
 * @returns A well-formed extension id (installed or not).
 * @throws {SymphonyError} `InvalidInput` when it is not an extension id.
 */
export function extensionId(c: Context): string {
  return parseInput(metadataSchema.shape.id, c.req.param("id"), "the extension id");
}
