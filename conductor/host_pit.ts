/**
 * The Pit as the Conductor holds it: the Artifact Store under
 * `$SYMPHONY_HOME/artifacts`, the Arbitration Engine with the resources the
 * host policy defines (its sampled decisions go to the audit trail), the
 * workflows of the DAG Tracker, checkpointed in the host database and
 * recovered after a restart, and the Stale Manager over the artifacts. The
 * Pool Manager is on the Conductor's call path, in the Conductor itself.
 *
 * @module
 */
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import {
  ArbitrationEngine,
  type ArbitrationExplanation,
  ArtifactStore,
  type ArtifactUsage,
  DagTracker,
  type IdleReaper,
  type StaleItem,
  StaleManager,
  type StalePolicy,
  type StaleReport,
  type StaleSource,
  type WorkflowDefinition,
} from "../pit/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { AuditEntry } from "./audit_trail.ts";
import type { HomeLayout } from "./home_layout.ts";

/** Options for {@linkcode HostPit}. */
export interface HostPitOptions {
  /** The layout of `$SYMPHONY_HOME`. */
  layout: HomeLayout;
  /** The host database, opened on first use. */
  db: () => DatabaseSync;
  /** Appends to the audit trail. */
  audit(entry: AuditEntry): void;
  /** The share of arbitration decisions recorded in the audit trail, in [0, 1]. Default: 0.1. */
  decisionSampleRate?: number;
  /** The clock, in ms. Default: `Date.now`. */
  now?: () => number;
}

/** Options for {@linkcode HostPit.gc}. */
export interface GcOptions {
  /** The retention policy. */
  policy: StalePolicy;
  /** Report what would go, change nothing. Default: false. */
  dryRun?: boolean;
  /** Idle extension processes to reap with the rest. Default: none. */
  reaper?: IdleReaper;
  /** Cancels the run between items. */
  signal?: AbortSignal;
}

/** What a workflow step changed. */
export type WorkflowStep = "start" | "complete" | "fail";

/**
 * The Pit's modules, held by the host.
 *
 * @example Artifacts, and a workflow that survives the host
 * ```ts
 * import { HostPit } from "./host_pit.ts";
 * import { homeLayout } from "./home_layout.ts";
 * import { openHostDatabase } from "./host_database.ts";
 * import assert from "node:assert/strict";
 *
 * const home = await Deno.makeTempDir();
 * const layout = homeLayout(home);
 * {
 *   using db = openHostDatabase(layout.databaseFile);
 *   using pit = new HostPit({ layout, db: () => db, audit() {} });
 *   const put = await pit.artifacts.put("acme.a", new TextEncoder().encode("hi"), { name: "note", producer: "acme.a" });
 *   assert.equal(put.version, 1);
 *   pit.createWorkflow({ id: "w", nodes: [{ id: "a" }, { id: "b", dependsOn: ["a"] }] });
 *   pit.stepWorkflow("w", "start", "a");
 * }
 * using db = openHostDatabase(layout.databaseFile);
 * using pit = new HostPit({ layout, db: () => db, audit() {} });
 * // The node that was running when the host stopped is ready again.
 * assert.deepEqual(pit.workflow("w").ready(), ["a"]);
 * await Deno.remove(home, { recursive: true });
 * ```
 */
export class HostPit implements Disposable {
  /** Leases on shared resources. */
  readonly arbitration: ArbitrationEngine;
  readonly #options: HostPitOptions;
  #artifacts: ArtifactStore | undefined;
  #workflows: Map<string, DagTracker> | undefined;
  readonly #defined = new Map<string, number>();

  /** @param options Where it keeps its state, and where decisions are audited. */
  constructor(options: HostPitOptions) {
    this.#options = options;
    this.arbitration = new ArbitrationEngine({
      sampleRate: options.decisionSampleRate ?? 0.1,
      ...(options.now === undefined ? {} : { now: options.now }),
      onDecision: (explanation) => options.audit(decisionEntry(explanation)),
    });
  }

  /** The Artifact Store, opened on first use. */
  get artifacts(): ArtifactStore {
    this.#artifacts ??= new ArtifactStore({
      root: join(this.#options.layout.home, "artifacts"),
      db: this.#options.db(),
      ...(this.#options.now === undefined ? {} : { now: this.#options.now }),
    });
    return this.#artifacts;
  }

  /**
   * Defines the shared resources the host policy names. A resource already
   * defined keeps its capacity until the host restarts.
   *
   * @param resources Capacities by name.
   * @throws {SymphonyError} `InvalidInput` for a name the engine refuses.
   */
  defineResources(resources: Readonly<Record<string, number>>): void {
    for (const [name, capacity] of Object.entries(resources)) {
      if (this.#defined.has(name)) continue;
      this.arbitration.defineResource(name, {
        capacity,
        kind: name.startsWith("file:") ? "read-write" : "counted",
      });
      this.#defined.set(name, capacity);
    }
  }

  /**
   * The workflows the host tracks; on first use, those checkpointed by an
   * earlier host are recovered, their running nodes retried.
   *
   * @returns The workflows by id.
   */
  workflows(): ReadonlyMap<string, DagTracker> {
    if (this.#workflows === undefined) {
      const db = this.#options.db();
      this.#workflows = new Map();
      for (const id of DagTracker.listCheckpointed(db)) {
        this.#workflows.set(id, DagTracker.restore(db, id, { running: "retry" }));
      }
    }
    return this.#workflows;
  }

  /**
   * One workflow.
   *
   * @param id The workflow.
   * @returns Its tracker.
   * @throws {SymphonyError} `NotFound`.
   */
  workflow(id: string): DagTracker {
    const tracker = this.workflows().get(id);
    if (tracker === undefined) {
      throw new SymphonyError(
        "NotFound",
        `Cannot find workflow ${id}: the host tracks no such workflow`,
      );
    }
    return tracker;
  }

  /**
   * Starts tracking a workflow, checkpointed at once.
   *
   * @param definition Its nodes and dependencies.
   * @returns Its tracker.
   * @throws {SymphonyError} `InvalidInput` for a bad graph or an id in use.
   */
  createWorkflow(definition: WorkflowDefinition): DagTracker {
    const workflows = this.workflows() as Map<string, DagTracker>;
    if (workflows.has(definition.id)) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot create workflow ${definition.id}: a workflow with that id exists`,
      );
    }
    const tracker = new DagTracker(definition);
    tracker.checkpoint(this.#options.db());
    workflows.set(definition.id, tracker);
    return tracker;
  }

  /**
   * Moves a node of a workflow, and checkpoints the change.
   *
   * @param id The workflow.
   * @param step What happened to the node.
   * @param node The node.
   * @returns The nodes that became ready (complete) or were skipped (fail).
   * @throws {SymphonyError} `NotFound`, or `InvalidInput` for a move its state does not allow.
   */
  stepWorkflow(id: string, step: WorkflowStep, node: string): string[] {
    const tracker = this.workflow(id);
    const changed = step === "start"
      ? (tracker.start(node), [])
      : step === "complete"
      ? tracker.complete(node)
      : tracker.fail(node);
    tracker.checkpoint(this.#options.db());
    return changed;
  }

  /**
   * Applies a retention policy to the artifacts (and reaps idle processes):
   * archives, then removes, then deletes the content nothing refers to any
   * more. The artifacts an unfinished workflow names (`artifacts` of its
   * nodes) are kept, as pinned ones are. Removals are audited.
   *
   * @param options The policy, and whether to only report.
   * @returns The report: what went (or would go), why, and the bytes freed.
   */
  async gc(options: GcOptions): Promise<StaleReport> {
    const store = this.artifacts;
    // What an unfinished workflow names stays, whatever the policy says.
    const referenced = new Set<string>();
    for (const tracker of this.workflows().values()) {
      if (tracker.finished) continue;
      for (const node of tracker.definition.nodes) {
        for (const name of node.artifacts ?? []) referenced.add(name);
      }
    }
    const manager = new StaleManager({
      source: artifactSource(store),
      policy: options.policy,
      isReferenced: (key) => referenced.has(key.slice(0, key.lastIndexOf("@"))),
      ...(options.reaper === undefined ? {} : { reaper: options.reaper }),
      ...(this.#options.now === undefined ? {} : { now: this.#options.now }),
    });
    const report = await manager.run({
      dryRun: options.dryRun ?? false,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (!report.dryRun) {
      await store.collect();
      const removed = report.removals.filter((r) => r.outcome?.status === "done");
      if (removed.length > 0 || report.processes.length > 0) {
        this.#options.audit({
          kind: "gc",
          actor: "conductor",
          detail: {
            removed: removed.map((r) => ({ key: r.key, reason: r.reason })),
            bytesFreed: report.bytesFreed,
            reaped: report.processes.filter((p) => p.outcome?.status === "done").map((p) => p.key),
          },
        });
      }
    }
    return report;
  }

  /** Writes pending artifact access times. */
  [Symbol.dispose](): void {
    this.#artifacts?.[Symbol.dispose]();
  }
}

function decisionEntry(explanation: ArbitrationExplanation): AuditEntry {
  return {
    kind: "arbitration",
    extension: explanation.holder,
    actor: "conductor",
    detail: JSON.parse(JSON.stringify(explanation)) as Record<string, unknown>,
  };
}

// The artifacts as the Stale Manager sees them: one item per version, keyed
// `<namespace>/<name>@<version>`, versions of a name grouped by name.
function artifactSource(store: ArtifactStore): StaleSource {
  const byKey = new Map<string, ArtifactUsage>();
  const keyOf = (u: ArtifactUsage): string => `${u.namespace}/${u.name}@${u.version}`;
  const usage = (key: string): ArtifactUsage => {
    const found = byKey.get(key);
    if (found === undefined) throw new SymphonyError("NotFound", `Cannot find artifact ${key}`);
    return found;
  };
  return {
    items(): StaleItem[] {
      byKey.clear();
      return store.usage().map((u) => {
        const key = keyOf(u);
        byKey.set(key, u);
        return {
          key,
          name: `${u.namespace}/${u.name}`,
          sizeBytes: u.size,
          createdAt: u.createdAt,
          lastAccessAt: u.lastAccessAt,
          pinned: u.pinned,
        };
      });
    },
    async archive(key: string, dir: string): Promise<void> {
      const u = usage(key);
      const target = join(dir, encodeURIComponent(u.namespace));
      await Deno.mkdir(target, { recursive: true });
      const stream = await store.open(u.namespace, u.id);
      using file = await Deno.open(join(target, `${encodeURIComponent(u.name)}@${u.version}`), {
        write: true,
        create: true,
        truncate: true,
      });
      for await (const chunk of stream) {
        for (let at = 0; at < chunk.length;) at += await file.write(chunk.subarray(at));
      }
      await file.syncData();
    },
    remove(key: string): Promise<void> {
      const u = usage(key);
      store.delete(u.namespace, u.name, { version: u.version });
      return Promise.resolve();
    },
  };
}
