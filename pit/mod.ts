/**
 * The Pit: five infrastructure modules that run inside the Conductor's
 * process and share its memory (no serialization, no IPC).
 *
 * - {@linkcode PoolManager}: extension processes per extension, checkout and
 *   checkin for calls, a global budget with least-recently-used eviction,
 *   pre-warming by call rate.
 * - {@linkcode DagTracker}: workflow graphs, node states, ready sets in
 *   O(out-degree), critical path, checkpoints in the host database.
 * - {@linkcode ArtifactStore}: content-addressed, versioned, searchable
 *   artifacts in namespaces with explicit sharing.
 * - {@linkcode ArbitrationEngine}: leases on shared resources, by priority
 *   with ageing and weighted fair share, with an explanation for every decision.
 * - {@linkcode StaleManager}: retention policies, archiving, idle reaping and
 *   dry-run reports.
 *
 * @module
 */
export {
  type Checkout,
  type CheckoutOptions,
  type ExtensionPoolStats,
  type InstanceFactory,
  type InstanceHealth,
  type InstanceInfo,
  type PoolBudget,
  type PoolConfig,
  PoolManager,
  type PoolManagerOptions,
  type PoolStats,
  type RateSnapshot,
  type WarmReport,
} from "./pool_manager.ts";
export {
  type CompleteOptions,
  type CriticalPath,
  type DagNodeStatus,
  type DagProgress,
  type DagRestoreOptions,
  DagTracker,
  type DagTrackerOptions,
  NODE_STATES,
  type NodeState,
  type WorkflowDefinition,
  workflowDefinitionSchema,
} from "./dag_tracker.ts";
export {
  ArtifactStore,
  type ArtifactStoreOptions,
  type ArtifactUsage,
  type ArtifactVersion,
  type ByteRange,
  type CollectResult,
  type CorruptBlob,
  type GetOptions,
  type PutOptions,
  type SearchQuery,
  type ShareOptions,
  type VersionOptions,
} from "./artifact_store.ts";
export {
  type AccessMode,
  type AcquireOptions,
  type AheadOfRequest,
  ArbitrationEngine,
  type ArbitrationEngineOptions,
  type ArbitrationExplanation,
  type ArbitrationRequest,
  type HeldResource,
  type Lease,
  type PendingRequest,
  type ResourceClaim,
  type ResourceKind,
  type ResourceOptions,
  type ResourceUsage,
} from "./arbitration_engine.ts";
export {
  type IdleReaper,
  type StaleBudget,
  type StaleItem,
  StaleManager,
  type StaleManagerOptions,
  type StaleOutcome,
  type StalePolicy,
  stalePolicySchema,
  type StaleProcess,
  type StaleReason,
  type StaleRemoval,
  type StaleReport,
  type StaleRunOptions,
  type StaleScheduler,
  type StaleSource,
} from "./stale_manager.ts";
