/**
 * The `[resources]` section: the limits the host enforces on the extension's
 * process, and the shared resources it may lease from the host.
 *
 * @module
 */
import { z } from "zod";

/** Defaults for every resource limit the manifest leaves out. */
export const DEFAULT_RESOURCES = {
  memory_mb: 128,
  timeout_ms: 5_000,
  max_concurrency: 4,
  max_open_files: 256,
  instances: 1,
} as const;

/** The `[resources]` section. */
export const resourcesSchema = z.strictObject({
  /** Hard memory limit of the extension process, in MiB (32 to 65536, default 128). */
  memory_mb: z.int().min(32).max(65_536).default(DEFAULT_RESOURCES.memory_mb),
  /** Limit for one call, in milliseconds (1 to 3,600,000, default 5000). */
  timeout_ms: z.int().min(1).max(3_600_000).default(DEFAULT_RESOURCES.timeout_ms),
  /** Calls in flight at once (1 to 1024, default 4). */
  max_concurrency: z.int().min(1).max(1024).default(DEFAULT_RESOURCES.max_concurrency),
  /** Files the process may hold open at once (32 to 65536, default 256): RLIMIT_NOFILE. */
  max_open_files: z.int().min(32).max(65_536).default(DEFAULT_RESOURCES.max_open_files),
  /**
   * Processes the host may run for it at once (1 to 16, default 1): past
   * `max_concurrency` calls on each, the next call goes to another process,
   * each with the same sandbox and limits. For CPU-bound extensions.
   */
  instances: z.int().min(1).max(16).default(DEFAULT_RESOURCES.instances),
  /**
   * Shared resources the host defines that it may lease (`gpu`,
   * `net:api.example.com`, `file:/data/model.bin`), through `ctx.leases`, once
   * its trust tier is `trusted` or `enterprise`. Default: none.
   */
  leases: z.array(
    z.string().max(256).regex(
      /^[a-z][a-z0-9-]*(:[!-~]+)?$/,
      "must be a resource name: a lower-case word, optionally followed by :<target> in printable ASCII",
    ),
  ).max(32).default([]),
});

/** The `[resources]` section after validation, with defaults filled in. */
export type Resources = z.infer<typeof resourcesSchema>;
