/**
 * The `[events]` section: the topics an extension may publish and receive, and
 * the extensions it may call. Nothing undeclared reaches it or leaves it.
 *
 * @module
 */
import { z } from "zod";
import { extensionIdSchema, topicPatternSchema, topicSchema } from "./_field_schemas.ts";

const HOST_TOPIC = /^extension(?:\.|$)/i;

/**
 * Whether only the host may publish on a topic: `extension.state`,
 * `extension.log` and every other topic under `extension.` tell of
 * extensions, and an extension posing as the host there could mislead.
 *
 * @param topic The topic.
 * @returns True for the host's topics.
 */
export function isHostTopic(topic: string): boolean {
  return HOST_TOPIC.test(topic);
}

/** The `[events]` section. */
export const eventsSchema = z.strictObject({
  publish: z.array(
    topicSchema.refine(
      (topic) => !isHostTopic(topic),
      "is the host's own: topics under \"extension.\" tell of extensions' states, logs and crashes",
    ),
  ).default([]),
  subscribe: z.array(topicPatternSchema).default([]),
  calls: z.array(extensionIdSchema).default([]),
});

/** The `[events]` section after validation. */
export type Events = z.infer<typeof eventsSchema>;
