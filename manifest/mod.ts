/**
 * The manifest system: reading `extension.toml` / `extension.json`, validating
 * it with one zod schema per section plus the semantic rules, migrating old
 * formats, and resolving dependencies into a load order.
 *
 * It sits at the top level because the sandbox, the Conductor and the kit all
 * read manifests, and none of them should depend on another to do so.
 *
 * - {@linkcode loadManifest}: a directory or file → a validated manifest or every problem.
 * - {@linkcode parseManifestText}, {@linkcode validateManifest}: the same, step by step, in memory.
 * - {@linkcode sandboxEscapes}: the requests that would let an extension out of the sandbox.
 * - {@linkcode checkPermissionPath}, {@linkcode checkNetEntry}: the permission rules, for the sandbox.
 * - {@linkcode migrateManifest}: brings an older `manifest_version` to the current one.
 * - {@linkcode resolveDependencies}: one version per id, and the load order.
 * - The schemas (`manifestSchema` and one per section) and the types derived from them.
 *
 * @module
 */
export { dependenciesSchema } from "./dependencies_schema.ts";
export type { Dependencies } from "./dependencies_schema.ts";
export { eventsSchema, isHostTopic } from "./events_schema.ts";
export type { Events } from "./events_schema.ts";
export { instrumentSchema } from "./instrument_schema.ts";
export type { Instrument } from "./instrument_schema.ts";
export {
  type LoadedManifest,
  loadManifest,
  MANIFEST_FILE_NAMES,
  MAX_EXTENDS_DEPTH,
  MAX_MANIFEST_BYTES,
} from "./load_manifest.ts";
export {
  CURRENT_MANIFEST_VERSION,
  EXTENSION_TYPES,
  type ExtensionType,
  type Manifest,
  manifestSchema,
  metadataSchema,
} from "./manifest_schema.ts";
export {
  MANIFEST_MIGRATIONS,
  type ManifestMigration,
  migrateManifest,
  type MigrateManifestOptions,
  type MigrationResult,
  type RawManifest,
} from "./migrate_manifest.ts";
export { motifSchema } from "./motif_schema.ts";
export type { Motif } from "./motif_schema.ts";
export { operatorSchema } from "./operator_schema.ts";
export type { Operator } from "./operator_schema.ts";
export {
  type ManifestFormat,
  type ParsedManifestText,
  parseManifestText,
  type ParseManifestTextOptions,
} from "./parse_manifest_text.ts";
export { checkNetEntry, type LocalNetwork, type NetCheck } from "./check_net_entry.ts";
export { checkSettingValue } from "./check_setting_value.ts";
export {
  checkPermissionPath,
  FORBIDDEN_ROOTS,
  type PathCheck,
  type Placeholder,
  PLACEHOLDERS,
} from "./check_permission_path.ts";
export { permissionsSchema, SYS_NAMES } from "./permissions_schema.ts";
export type { Permissions } from "./permissions_schema.ts";
export { formatFieldPath, formatProblem, type Problem } from "./problem.ts";
export {
  type DependencyRoot,
  type Resolution,
  type ResolutionProblem,
  resolveDependencies,
  type ResolveDependenciesOptions,
} from "./resolve_dependencies.ts";
export { DEFAULT_RESOURCES, resourcesSchema } from "./resources_schema.ts";
export type { Resources } from "./resources_schema.ts";
export { SETTING_TYPES, settingSchema, settingsSchema } from "./settings_schema.ts";
export type { Setting, Settings } from "./settings_schema.ts";
export { type SandboxEscape, sandboxEscapes } from "./sandbox_escapes.ts";
export {
  type ManifestValidation,
  MAX_MANIFEST_DEPTH,
  validateManifest,
  type ValidateManifestOptions,
} from "./validate_manifest.ts";
