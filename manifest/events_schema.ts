/**
 * The `[events]` section: the topics an extension may publish and receive, and
 * the extensions it may call. Nothing undeclared reaches it or leaves it.
 *
 * @module
 */
import { z } from "zod";
import { extensionIdSchema, topicPatternSchema, topicSchema } from "./_field_schemas.ts";

/** The `[events]` section. */
export const eventsSchema = z.strictObject({
  publish: z.array(topicSchema).default([]),
  subscribe: z.array(topicPatternSchema).default([]),
  calls: z.array(extensionIdSchema).default([]),
});

/** The `[events]` section after validation. */
export type Events = z.infer<typeof eventsSchema>;
