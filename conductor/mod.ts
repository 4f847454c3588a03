/**
 * The Conductor: the host of extension processes.
 *
 * - {@linkcode Conductor}: starts installed extensions in their sandboxes and routes calls.
 * - {@linkcode ExtensionProcess}: the host side of one process's IPC bus.
 * - {@linkcode StateStore}, {@linkcode homeLayout}: what is installed, and where.
 * - {@linkcode AuditTrail}: the hash-chained audit trail; {@linkcode openHostDatabase}: the SQLite file.
 * - {@linkcode ResourceWatchdog}: memory and CPU samples of every process, on one timer.
 * - Lifecycle rules: {@linkcode backoffDelay}, {@linkcode recentCrashes}.
 * - {@linkcode HostPit}: the Pit as the host holds it; {@linkcode PitRequests}: what extensions may ask of it.
 *
 * @module
 */
export {
  type ActorOptions,
  Conductor,
  type ConductorCallOptions,
  type ConductorOptions,
  type ExtensionLogEntry,
  type ExtensionSample,
  type HostNotice,
  type LimitOptions,
  PERMISSION_KINDS,
  type PermissionKind,
  type PublishedEvent,
} from "./conductor.ts";
export {
  appendHistory,
  backoffDelay,
  DEFAULT_RESTART_POLICY,
  EXTENSION_STATES,
  type ExtensionState,
  type HistoryEntry,
  type HistoryEvent,
  recentCrashes,
  type RestartPolicy,
  type StateChange,
} from "./lifecycle.ts";
export {
  canSampleProcesses,
  parseProcStat,
  type ProcessSample,
  type ProcessSampler,
  ResourceWatchdog,
  type ResourceWatchdogOptions,
  type SampleListener,
  sampleProcesses,
} from "./resource_watchdog.ts";
export {
  type CallOptions,
  type ExtensionLogLine,
  ExtensionProcess,
  type ExtensionProcessOptions,
} from "./extension_process.ts";
export {
  AUDIT_KINDS,
  type AuditEntry,
  type AuditFilter,
  auditHash,
  type AuditKind,
  type AuditRecord,
  AuditTrail,
  type AuditTrailOptions,
  type AuditVerification,
  type AuditVerifyOptions,
  canonicalJson,
  GENESIS_HASH,
} from "./audit_trail.ts";
export {
  type BusEvent,
  EventBus,
  type EventBusOptions,
  type PublishResult,
  topicMatches,
} from "./event_bus.ts";
export {
  DEFAULT_POLICY,
  type HostPolicy,
  hostPolicySchema,
  policyAllowsRun,
  policyDenies,
  readHostPolicy,
} from "./host_policy.ts";
export { inTransaction, MIGRATIONS, openHostDatabase, SCHEMA_VERSION } from "./host_database.ts";
export { type HomeLayout, homeLayout } from "./home_layout.ts";
export {
  type HostState,
  type InstalledExtension,
  SETTING_LEVELS,
  type SettingLevel,
  StateStore,
} from "./state_store.ts";
export { type GcOptions, HostPit, type HostPitOptions, type WorkflowStep } from "./host_pit.ts";
export {
  MAX_OPEN_UPLOADS,
  MAX_UPLOAD_BYTES,
  PIT_CHUNK_BYTES,
  type PitCaller,
  PitRequests,
  PitSession,
  UPLOAD_IDLE_MS,
} from "./pit_requests.ts";
