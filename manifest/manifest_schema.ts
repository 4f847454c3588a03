/**
 * The whole manifest: common metadata, the shared sections and exactly one
 * type section. The TypeScript types are derived from these schemas.
 *
 * @module
 */
import { z } from "zod";
import {
  extensionIdSchema,
  labelSchema,
  relativeFileSchema,
  semverRangeSchema,
  semverVersionSchema,
} from "./_field_schemas.ts";
import { dependenciesSchema } from "./dependencies_schema.ts";
import { eventsSchema } from "./events_schema.ts";
import { instrumentSchema } from "./instrument_schema.ts";
import { motifSchema } from "./motif_schema.ts";
import { operatorSchema } from "./operator_schema.ts";
import { permissionsSchema } from "./permissions_schema.ts";
import { resourcesSchema } from "./resources_schema.ts";
import { settingsSchema } from "./settings_schema.ts";

/** The manifest format version this host reads natively. */
export const CURRENT_MANIFEST_VERSION = 1;

/** The three kinds of extension. */
export const EXTENSION_TYPES = ["instrument", "operator", "motif"] as const;

/** One of the three kinds of extension. */
export type ExtensionType = typeof EXTENSION_TYPES[number];

/** Common metadata: who the extension is and where its code starts. */
export const metadataSchema = z.strictObject({
  manifest_version: z.literal(CURRENT_MANIFEST_VERSION),
  id: extensionIdSchema,
  name: labelSchema,
  version: semverVersionSchema,
  type: z.enum(EXTENSION_TYPES),
  entry: relativeFileSchema,
  /** `lazy` (default) starts the extension on first need; `eager` when the host starts. */
  activation: z.enum(["lazy", "eager"]).default("lazy"),
  description: z.string().max(2_000).optional(),
  author: z.string().max(200).optional(),
  license: z.string().max(100).optional(),
  homepage: z.url({ protocol: /^https?$/ }).optional(),
  repository: z.url().optional(),
  keywords: z.array(z.string().min(1).max(50)).max(20).optional(),
  engines: z.strictObject({ symphony: semverRangeSchema }).optional(),
});

/** A complete manifest, as validated. */
export const manifestSchema = z.strictObject({
  ...metadataSchema.shape,
  permissions: permissionsSchema.prefault({}),
  resources: resourcesSchema.prefault({}),
  dependencies: dependenciesSchema.default({}),
  optional_dependencies: dependenciesSchema.default({}),
  peer_dependencies: dependenciesSchema.default({}),
  events: eventsSchema.prefault({}),
  settings: settingsSchema.default({}),
  instrument: instrumentSchema.optional(),
  operator: operatorSchema.optional(),
  motif: motifSchema.optional(),
});

/** A manifest after validation: defaults filled in, paths normalised. */
export type Manifest = z.infer<typeof manifestSchema>;
