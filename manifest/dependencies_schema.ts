/**
 * The dependency tables: `[dependencies]`, `[optional_dependencies]` and
 * `[peer_dependencies]`, each mapping an extension id to a semver range.
 *
 * @module
 */
import { z } from "zod";
import { extensionIdSchema, semverRangeSchema } from "./_field_schemas.ts";

/** One dependency table: extension id → semver range. */
export const dependenciesSchema = z.record(extensionIdSchema, semverRangeSchema);

/** One dependency table after validation. */
export type Dependencies = z.infer<typeof dependenciesSchema>;
