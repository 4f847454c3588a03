/**
 * The Conductor: starts installed extensions in their sandboxes on first use
 * (dependencies first), routes calls to them (checking declared schemas),
 * answers their requests (calls to the extensions they declared), keeps each
 * extension's state machine, and contains them: the resource watchdog stops a
 * process past its memory or burning CPU while idle, hung processes are
 * pinged and stopped, crashes restart with backoff until the circuit breaker
 * disables the extension.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import {
  checkSettingValue,
  isHostTopic,
  type Manifest,
  type Permissions,
  sandboxEscapes,
} from "../manifest/mod.ts";
import {
  containedSpawner,
  type Containment,
  probeContainment,
  sandboxCommand,
  type Spawner,
} from "../sandbox/mod.ts";
import { IMPORT_MAP, RUNTIME_DIR, RUNTIME_MODULE } from "../stage/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import { type ExtensionLogLine, ExtensionProcess } from "./extension_process.ts";
import { type HomeLayout, homeLayout } from "./home_layout.ts";
import {
  type HostState,
  type InstalledExtension,
  SETTING_LEVELS,
  type SettingLevel,
  StateStore,
} from "./state_store.ts";
import { type AuditEntry, AuditTrail } from "./audit_trail.ts";
import {
  type Checkout,
  type IdleReaper,
  PoolManager,
  type StalePolicy,
  type StaleReport,
} from "../pit/mod.ts";
import { type Grants, TRUST_TIERS, type TrustTier } from "../sandbox/mod.ts";
import { HostPit } from "./host_pit.ts";
import { PitRequests, type PitSession } from "./pit_requests.ts";
import { type BusEvent, EventBus, type EventBusOptions, topicMatches } from "./event_bus.ts";
import { type HostPolicy, policyAllowsRun, policyDenies, readHostPolicy } from "./host_policy.ts";
import {
  appendHistory,
  backoffDelay,
  DEFAULT_RESTART_POLICY,
  type ExtensionState,
  type HistoryEntry,
  recentCrashes,
  type RestartPolicy,
  type StateChange,
} from "./lifecycle.ts";
import {
  type ProcessSample,
  type ProcessSampler,
  ResourceWatchdog,
  sampleProcesses,
} from "./resource_watchdog.ts";

/** An event an extension published on a topic it declared. */
export interface PublishedEvent {
  /** The publisher, as the Conductor knows it. */
  from: string;
  topic: string;
  payload: unknown;
}

/** Options for {@linkcode Conductor}. */
export interface ConductorOptions {
  /** The absolute path of `$SYMPHONY_HOME`. */
  home: string;
  /** The absolute path of the workspace `${workspace}` means. */
  workspace: string;
  /** Starts processes. Default: `Deno.Command`. */
  spawner?: Spawner;
  /** The `deno` executable. Default: the one running the host. */
  denoPath?: string;
  /** The host's environment, from which granted variables are passed on. Default: `Deno.env`. */
  hostEnv?: Record<string, string>;
  /** Where extensions' log lines go. */
  onLog?: (line: ExtensionLogLine) => void;
  /** Where published events go. */
  onEvent?: (event: PublishedEvent) => void;
  /** Where state changes go, each with its reason. */
  onStateChange?: (change: StateChange) => void;
  /** Where the host's own notices go: limits it cannot enforce, memory warnings, kills. */
  onNotice?: (notice: HostNotice) => void;
  /** What the platform can enforce. Default: {@linkcode probeContainment}. */
  containment?: Containment;
  /** The limits and their timings. */
  limits?: Partial<LimitOptions>;
  /** Crash backoff and the circuit breaker. */
  restartPolicy?: Partial<RestartPolicy>;
  /** Calls to a suspended extension wait for `resume` (up to their timeout) or fail. Default: wait. */
  suspendedCalls?: "wait" | "fail";
  /** Rates and sizes of the event bus. */
  eventLimits?: EventBusOptions;
  /** Who acts through this host, for the audit trail (`cli:<user>`). Default: `conductor`. */
  actor?: string;
  /** Reads processes' memory and CPU. Default: one `tail` of their `/proc/<pid>/stat`. */
  sampler?: ProcessSampler;
  /**
   * The Pool Manager's budget for extension processes: at most `maxProcesses`
   * (default 256) and `maxResidentBytes` of resident memory (default: no
   * limit); past it, the least recently used idle process is stopped.
   */
  processBudget?: { maxProcesses?: number; maxResidentBytes?: number };
}

/**
 * One point of an extension's activity, taken at each resource sample of its
 * (first) process; when that process exits, and a watch interval after calls
 * that end with no process running, a point with no memory or CPU: published
 * on the bus as `extension.sample` and kept for the UI's sparklines.
 */
export interface ExtensionSample {
  id: string;
  /** When it was taken (ms since the epoch). */
  at: number;
  /** Resident memory, in bytes. */
  rssBytes: number;
  /** CPU used since the previous point, in % of one core (0 for the first). */
  cpuPercent: number;
  /** Calls to it that ended since the previous point. */
  calls: number;
  /** How many of those calls failed. */
  errors: number;
}

/** A log line an extension wrote, as the host keeps it. */
export interface ExtensionLogEntry extends ExtensionLogLine {
  /** Counts the lines this host received, from 1: orders lines within a millisecond. */
  seq: number;
  /** When the host received it (ISO 8601). */
  at: string;
}

/** Who asks for a change, for the audit trail. */
export interface ActorOptions {
  /** Who acts, such as `ui:admin#2 (cli:ada)`. Default: {@linkcode Conductor.actor}. */
  actor?: string;
}

/** The kinds of permission a manifest requests. */
export const PERMISSION_KINDS = ["read", "write", "net", "env", "sys", "run"] as const;

/** One of {@linkcode PERMISSION_KINDS}. */
export type PermissionKind = keyof Permissions & typeof PERMISSION_KINDS[number];

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** A message from the host itself, about an extension or about the platform. */
export interface HostNotice {
  /** The extension it is about, if any. */
  id?: string;
  level: "info" | "warn" | "error";
  message: string;
}

/** The timings of the limits the Conductor enforces. */
export interface LimitOptions {
  /** Time between resource samples and health checks, in ms. Default: 1,000. */
  watchIntervalMs: number;
  /** An idle process silent this long is pinged, in ms. Default: 30,000. */
  pingIntervalMs: number;
  /** A ping unanswered this long means the process hung, in ms. Default: 10,000. */
  pingTimeoutMs: number;
  /** A process burning over `idleCpuShare` of a core this long with no call running is stopped, in ms. Default: 10,000. */
  idleCpuWindowMs: number;
  /** The share of one core an idle process may use. Default: 0.25. */
  idleCpuShare: number;
  /** The share of memory_mb past which a warning is given. Default: 0.8. */
  memoryWarnRatio: number;
  /** Between SIGTERM and SIGKILL, in ms. Default: 2,000. */
  killGraceMs: number;
  /** Bytes per second a process may write to stderr. Default: 1 MiB. */
  stderrBytesPerSecond: number;
  /** How long loading and `activate` may take, in ms. Default: 10,000. */
  startTimeoutMs: number;
}

const DEFAULT_LIMITS: LimitOptions = {
  watchIntervalMs: 1_000,
  pingIntervalMs: 30_000,
  pingTimeoutMs: 10_000,
  idleCpuWindowMs: 10_000,
  idleCpuShare: 0.25,
  memoryWarnRatio: 0.8,
  killGraceMs: 2_000,
  stderrBytesPerSecond: 1024 * 1024,
  startTimeoutMs: 10_000,
};

/** Resource samples kept per running extension (for the UI's sparklines). */
const SAMPLES_KEPT = 120;
/** Activity points kept per extension: five minutes at the default interval. */
const METRICS_KEPT = 300;
/** Log lines kept per extension. */
const LOGS_KEPT = 200;
/** State changes kept per extension. */
const TRANSITIONS_KEPT = 200;
/** Events waiting for one extension; beyond, the oldest are dropped. */
const INBOX_LIMIT = 1_000;

interface Inbox {
  events: BusEvent[];
  draining: boolean;
  dropped: number;
}

// What the Conductor knows of one extension in this run.
interface Live {
  state: ExtensionState;
  process: ExtensionProcess | undefined;
  starting: Promise<ExtensionProcess> | undefined;
  inFlight: number;
  /** When a call last started or ended: CPU in a window touching it is not idle. */
  lastBusyAt: number;
  /** Crashes since the last good call, for the backoff. */
  crashesInARow: number;
  lastCrashAt: number;
  memoryWarned: boolean;
  idleCpuMs: number;
  samples: ProcessSample[];
  transitions: StateChange[];
  /** Activity points, oldest first. */
  metrics: ExtensionSample[];
  /** Calls ended since the last activity point, and failures among them. */
  ended: { calls: number; errors: number };
  /** Makes the point of calls that ended with no process running, a watch interval after the first. */
  flush: ReturnType<typeof setTimeout> | undefined;
  /** Its recent log lines, oldest first. */
  logs: ExtensionLogEntry[];
  /** The running process's memory_mb, kept while it runs: the record cache may be emptied. */
  memoryMb: number;
  /** The grants the running process started with, to notice a change made elsewhere. */
  grants: string;
  /** The trust tier it started with, likewise: the tier bounds its flags. */
  trust: TrustTier;
  /** The merged settings its processes have, to notice a change made elsewhere. */
  settings: string;
  /** A stop the host asked for: the exit is not a crash. */
  stopping: boolean;
  suspended: boolean;
  /** Processes beyond the first, for an extension with `resources.instances` over 1. */
  replicas: Set<ExtensionProcess>;
  /** The first process as the Pool Manager holds it (or is starting it). */
  pooledPrimary: ExtensionProcess | "starting" | undefined;
}

/** What the watchdog keeps per process between two samples. */
interface ProcessWatch {
  samples: ProcessSample[];
  idleCpuMs: number;
  memoryWarned: boolean;
}

/** Options for {@linkcode Conductor.call}. */
export interface ConductorCallOptions {
  signal?: AbortSignal;
  /** The calling extension, when one extension calls another; set only by the Conductor. */
  caller?: string;
}

/**
 * The host of extension processes.
 *
 * @example
 * ```ts
 * import { Conductor } from "./conductor.ts";
 * import assert from "node:assert/strict";
 *
 * const home = await Deno.makeTempDir();
 * await using conductor = new Conductor({ home, workspace: home });
 * assert.deepEqual(await conductor.list(), []);
 * await assert.rejects(conductor.call("acme.none", "f", null), /acme\.none is not installed/);
 * await Deno.remove(home, { recursive: true });
 * ```
 */
export class Conductor implements AsyncDisposable {
  /** Where things are under `$SYMPHONY_HOME`. */
  readonly layout: HomeLayout;
  /** The record of installed extensions. */
  readonly store: StateStore;
  /** The hash-chained audit trail, in the same database. */
  readonly audit: AuditTrail;
  /**
   * The event bus: extensions' events on the topics they declared, and the
   * host's own (`extension.state` for every state change).
   */
  readonly events: EventBus;
  /** The Pit's Artifact Store, Arbitration Engine, workflows and retention. */
  readonly pit: HostPit;
  /** The Pool Manager: every call checks out a process, within the host's process budget. */
  readonly pool: PoolManager<ExtensionProcess>;
  readonly #pitRequests: PitRequests;
  readonly #pooled = new Map<string, string>();
  readonly #sessions = new WeakMap<ExtensionProcess, PitSession>();
  #ratesRead = false;
  #retention: Promise<ReturnType<typeof setInterval> | undefined> | undefined;
  readonly #options: ConductorOptions;
  readonly #limits: LimitOptions;
  readonly #policy: RestartPolicy;
  readonly #live = new Map<string, Live>();
  #logLines = 0;
  readonly #callCounts = new Map<string, { ok: number; failed: number }>();
  readonly #auditing = new Set<Promise<void>>();
  readonly #inboxes = new Map<string, Inbox>();
  readonly #undeclared = new Map<string, { count: number; reported: number }>();
  #routing: Promise<void> = Promise.resolve();
  readonly #toRoute: BusEvent[] = [];
  #hostPolicy: Promise<HostPolicy> | undefined;
  #hostPolicyRead = 0;
  #subscriberList: Promise<InstalledExtension[]> | undefined;
  #subscribersRead = 0;
  // Each process's own watch, ended when that process exits (not its successor's).
  readonly #unwatch = new WeakMap<ExtensionProcess, () => void>();
  // Processes the host itself stopped (a stop, a reload's old process): their exit is no crash.
  readonly #planned = new WeakSet<ExtensionProcess>();
  #closing = false;
  #sync: ReturnType<typeof setInterval> | undefined;
  readonly #closed = Promise.withResolvers<void>();
  readonly #watchdog: ResourceWatchdog;
  #containment: Containment | undefined;
  #spawner: Spawner | undefined;
  // Read from the state once per run of an extension, forgotten when it stops.
  readonly #records = new Map<string, InstalledExtension>();
  // Built once per installed record; a reinstall brings a new record.
  readonly #schemas = new WeakMap<InstalledExtension, Map<string, z.ZodType>>();

  /** @param options Where things are, and the sinks. */
  constructor(options: ConductorOptions) {
    this.#options = options;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#policy = { ...DEFAULT_RESTART_POLICY, ...options.restartPolicy };
    this.layout = homeLayout(options.home);
    this.store = new StateStore(this.layout.databaseFile, this.layout.stateFile);
    // The host's own records wait 5 ms, so that a burst of them (calls between
    // extensions) is committed in one transaction, off the calls' path.
    this.audit = new AuditTrail(() => this.store.db, { groupWindowMs: 5 });
    this.events = new EventBus(options.eventLimits);
    this.events.subscribe("**", (event) => this.#route(event));
    if (options.onEvent !== undefined) {
      const sink = options.onEvent;
      this.events.subscribe("**", (event) => {
        if (event.from !== "host") {
          sink({ from: event.from, topic: event.topic, payload: event.payload });
        }
      });
    }
    this.#watchdog = new ResourceWatchdog({
      intervalMs: this.#limits.watchIntervalMs,
      ...(options.sampler === undefined ? {} : { sample: options.sampler }),
    });
    this.pit = new HostPit({
      layout: this.layout,
      db: () => this.store.db,
      audit: (entry) => void this.#audit(entry),
    });
    this.#pitRequests = new PitRequests(this.pit);
    this.pool = new PoolManager<ExtensionProcess>({
      budget: {
        maxProcesses: options.processBudget?.maxProcesses ?? 256,
        maxResidentBytes: options.processBudget?.maxResidentBytes ?? Infinity,
      },
      factory: {
        start: (id) => this.#instance(id),
        stop: (id, process) => this.#evict(id, process),
        residentBytes: (process) => this.samples(process.id).at(-1)?.rssBytes ?? 0,
      },
      onError: (error) =>
        this.#notice({ level: "warn", message: `Pool Manager: ${(error as Error).message}` }),
    });
  }

  /**
   * The state of an extension in this host.
   *
   * @param id The extension.
   * @returns Its state; `installed` when this host has not started it.
   */
  async state(id: string): Promise<ExtensionState> {
    const live = this.#live.get(id);
    if (live !== undefined) return live.state;
    const installed = await this.get(id);
    if (installed.disabled !== undefined) return "disabled";
    return installed.suspended === true ? "suspended" : "installed";
  }

  /**
   * @param id The extension.
   * @returns Its state changes in this host, oldest first (the last 200).
   */
  transitions(id: string): readonly StateChange[] {
    return this.#live.get(id)?.transitions ?? [];
  }

  /**
   * @param id The extension.
   * @returns Its recent resource samples, oldest first (the last 120).
   */
  samples(id: string): readonly ProcessSample[] {
    return this.#live.get(id)?.samples ?? [];
  }

  /**
   * @param id The extension.
   * @returns Its activity in this host, oldest first (the last 300 points,
   *   one per resource sample while it runs, one when its process exits, and one a watch
   *   interval after calls that end with none running).
   */
  metrics(id: string): readonly ExtensionSample[] {
    return this.#live.get(id)?.metrics ?? [];
  }

  /**
   * Forgets all this host knows of an extension that is no longer installed
   * and no longer runs (its state, suspension, crash counts, activity, log
   * lines and events waiting for it), so that an install of the same id
   * starts afresh, and publishes `extension.uninstalled`. Calls waiting for
   * it to resume go on, and find it gone.
   *
   * @param id The extension.
   * @throws {SymphonyError} `Internal` while a process of it runs: stop it first.
   */
  forget(id: string): void {
    const live = this.#live.get(id);
    if (
      live !== undefined &&
      (live.process?.alive === true || live.starting !== undefined || live.replicas.size > 0)
    ) {
      throw new SymphonyError("Internal", `Cannot forget ${id}: it runs; stop it first`);
    }
    clearTimeout(live?.flush);
    this.#live.delete(id);
    this.#records.delete(id);
    this.#inboxes.delete(id);
    this.#undeclared.delete(id);
    for (const wake of this.#resumeWaiters.get(id)?.splice(0) ?? []) wake();
    this.#resumeWaiters.delete(id);
    this.events.publish("host", "extension.uninstalled", { id });
  }

  /**
   * @param id The extension.
   * @returns Its log lines in this host, oldest first (the last 200).
   */
  logs(id: string): readonly ExtensionLogEntry[] {
    return this.#live.get(id)?.logs ?? [];
  }

  /**
   * @param id The extension.
   * @returns Its restart history: crashes, limit kills, disables and enables, oldest first.
   */
  async history(id: string): Promise<readonly HistoryEntry[]> {
    return (await this.get(id)).history ?? [];
  }

  /** @returns The installed extensions, sorted by id. */
  async list(): Promise<InstalledExtension[]> {
    const state = await this.store.read();
    return Object.values(state.extensions).sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * @param id An extension id.
   * @returns The installed extension.
   * @throws {SymphonyError} `NotFound` when it is not installed.
   */
  async get(id: string): Promise<InstalledExtension> {
    const installed = (await this.store.read()).extensions[id];
    if (installed === undefined) {
      throw new SymphonyError("NotFound", `Cannot find ${id}: ${id} is not installed`);
    }
    return installed;
  }

  /** @returns Whether the extension has a live process. */
  isRunning(id: string): boolean {
    return this.#live.get(id)?.process?.alive === true;
  }

  /**
   * Calls a method of an installed extension, starting it if needed.
   *
   * @param id The extension.
   * @param method The method.
   * @param input A JSON value; checked against the operator's input schema if it declares one.
   * @param options Cancellation.
   * @returns The result; checked against the declared output schema.
   * @throws {SymphonyError} With the contract's code.
   */
  async call(
    id: string,
    method: string,
    input: unknown,
    options: ConductorCallOptions = {},
  ): Promise<unknown> {
    let failed = true;
    try {
      const result = await this.#call(id, method, input, options);
      failed = false;
      return result;
    } finally {
      this.#callEnded(id, failed);
    }
  }

  // Counts an ended call in the extension's next activity point. Only for
  // extensions this host knows: a call to a made-up id adds nothing.
  #callEnded(id: string, failed: boolean): void {
    const live = this.#live.get(id);
    if (live === undefined) return;
    live.ended.calls++;
    if (failed) live.ended.errors++;
    // No sample will come from a process that is gone: the point is made a
    // watch interval later, with every call that ended meanwhile.
    if (live.process?.alive === true || live.flush !== undefined || this.#closing) return;
    live.flush = setTimeout(() => {
      live.flush = undefined;
      if (live.ended.calls > 0) this.#measure(id, live, undefined, undefined);
    }, this.#limits.watchIntervalMs);
  }

  async #call(
    id: string,
    method: string,
    input: unknown,
    options: ConductorCallOptions,
  ): Promise<unknown> {
    const installed = await this.#record(id);
    this.#check(installed, method, "input", input);
    const live = this.#liveOf(id);
    if (
      (live.suspended || installed.suspended === true) && this.#options.suspendedCalls === "fail"
    ) {
      throw new SymphonyError(
        "Disabled",
        `Cannot call ${id} ${method}: it is suspended; resume it first`,
      );
    }
    const checkout = await this.#checkout(id, installed, options.signal);
    const process = checkout.instance;
    if (!process.methods.includes(method)) {
      this.pool.checkin(checkout);
      throw new SymphonyError(
        "NotFound",
        `Cannot call ${id} ${method}: it has no such method (it has ${
          process.methods.join(", ") || "none"
        })`,
      );
    }
    if (live.inFlight++ === 0 && live.state === "ready") this.#transition(id, "busy", "a call");
    live.lastBusyAt = Date.now();
    try {
      const result = await process.call(method, input, {
        timeoutMs: installed.manifest.resources.timeout_ms,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.caller === undefined ? {} : { caller: options.caller }),
      });
      live.crashesInARow = 0;
      this.#check(installed, method, "output", result);
      return result;
    } catch (error) {
      if (error instanceof SymphonyError && error.code === "PermissionDenied") {
        this.#audit({
          kind: "permission-denied",
          extension: id,
          actor: "conductor",
          detail: { method, message: error.message },
        });
        this.events.publish("host", "extension.denied", { id, method, message: error.message });
      }
      throw error;
    } finally {
      this.pool.checkin(checkout);
      live.lastBusyAt = Date.now();
      if (
        --live.inFlight === 0 && live.state === "busy" && live.process === process &&
        process.alive
      ) {
        this.#transition(id, "ready", "calls done");
      }
    }
  }

  // A process for a call, from the Pool Manager: the running one, or one
  // started within the host's process budget (evicting the least recently
  // used idle process of another extension if the budget is full).
  async #checkout(
    id: string,
    installed: InstalledExtension,
    signal?: AbortSignal,
  ): Promise<Checkout<ExtensionProcess>> {
    this.#pool(id, installed);
    for (let attempt = 0;; attempt++) {
      const checkout = this.pool.tryCheckout(id) ??
        await this.pool.checkout(id, signal === undefined ? {} : { signal });
      const process = checkout.instance;
      // A process that failed a moment ago, before the pool heard of its exit.
      const live = this.#live.get(id);
      if (
        (process.alive && (live?.process === process || live?.replicas.has(process) === true)) ||
        attempt > 0
      ) {
        return checkout;
      }
      this.pool.checkin(checkout);
      this.pool.remove(id, process);
    }
  }

  // Makes an extension known to the Pool Manager: one process an extension,
  // whose own max_concurrency queues its calls. The call rates an earlier
  // host saved are read first, for pre-warming.
  #pool(id: string, installed: InstalledExtension): void {
    if (!this.#ratesRead) {
      this.#ratesRead = true;
      try {
        this.pool.importRates(JSON.parse(Deno.readTextFileSync(this.#ratesFile)));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) {
          this.#notice({
            level: "warn",
            message: `Cannot read the call rates: ${(error as Error).message}`,
          });
        }
      }
    }
    // Several processes: each takes max_concurrency calls, the pool spreads
    // them. One: its own queue holds the calls beyond max_concurrency.
    const { instances, max_concurrency } = installed.manifest.resources;
    const config = instances > 1
      ? { maxInstances: instances, maxConcurrency: max_concurrency }
      : { maxInstances: 1, maxConcurrency: Number.MAX_SAFE_INTEGER };
    const key = JSON.stringify(config);
    if (this.#pooled.get(id) === key) return;
    this.pool.configure(id, config);
    this.#pooled.set(id, key);
  }

  get #ratesFile(): string {
    return join(this.layout.hostDir, "call-rates.json");
  }

  // Keeps the call rates for the next host, atomically.
  async #saveRates(): Promise<void> {
    if (!this.#ratesRead) return;
    try {
      await Deno.mkdir(this.layout.hostDir, { recursive: true });
      const temporary = `${this.#ratesFile}.${crypto.randomUUID().slice(0, 8)}`;
      await Deno.writeTextFile(temporary, JSON.stringify(this.pool.exportRates()));
      await Deno.rename(temporary, this.#ratesFile);
    } catch (error) {
      this.#notice({
        level: "warn",
        message: `Cannot save the call rates: ${(error as Error).message}`,
      });
    }
  }

  // The Pool Manager's start of an instance: the extension's process (started
  // if needed), or, once the pool holds that one, another (a replica).
  async #instance(id: string): Promise<ExtensionProcess> {
    const live = this.#liveOf(id);
    // A first process that was replaced (a reload) or has failed is not the pool's any more.
    if (live.pooledPrimary !== "starting" && live.pooledPrimary !== live.process) {
      live.pooledPrimary = undefined;
    }
    if (live.pooledPrimary !== undefined) return await this.#startReplica(id, live);
    // Claimed before the first await: a second start asked meanwhile is a replica.
    live.pooledPrimary = "starting";
    try {
      const process = await this.#start(id, []);
      live.pooledPrimary = process;
      return process;
    } catch (error) {
      live.pooledPrimary = undefined;
      throw error;
    }
  }

  // One more process of a running extension, when its calls outgrow the first
  // (`resources.instances`): the same sandbox, watched the same way; it
  // stops with the extension, and is not restarted when it ends.
  async #startReplica(id: string, live: Live): Promise<ExtensionProcess> {
    this.#refuseIfClosing(id);
    const installed = await this.#record(id);
    if (installed.disabled !== undefined || live.suspended || live.stopping) {
      throw new SymphonyError(
        "Disabled",
        `Cannot start another process of ${id}: it is not running`,
      );
    }
    const process = await this.#spawn(id, installed);
    if (this.#closing || live.stopping || live.suspended) {
      this.#planned.add(process);
      await process.stop();
      throw new SymphonyError("Disabled", `Cannot start another process of ${id}: it stopped`);
    }
    live.replicas.add(process);
    const watch: ProcessWatch = { samples: [], idleCpuMs: 0, memoryWarned: false };
    this.#unwatch.set(
      process,
      this.#watchdog.watch(
        process.pid,
        (sample, previous) => this.#onSample(id, live, watch, process, sample, previous),
      ),
    );
    void process.exited.then(() => this.#onReplicaExit(id, live, process));
    return process;
  }

  async #onReplicaExit(id: string, live: Live, process: ExtensionProcess): Promise<void> {
    this.#unwatch.get(process)?.();
    this.pool.remove(id, process);
    live.replicas.delete(process);
    const session = this.#sessions.get(process);
    if (session !== undefined) this.#pitRequests.close(session);
    const failure = process.failure;
    if (this.#planned.has(process) || failure === undefined) return;
    // A replica that crashed counts towards the circuit breaker like the first.
    await this.#crashed(id, live, failure, false);
  }

  // Stops the replicas of an extension (before it stops, reloads or is suspended).
  async #stopReplicas(live: Live): Promise<void> {
    await Promise.all([...live.replicas].map((replica) => {
      this.#planned.add(replica);
      return replica.stop();
    }));
  }

  // The Pool Manager's eviction: an idle process stops to make room.
  async #evict(id: string, process: ExtensionProcess): Promise<void> {
    const live = this.#live.get(id);
    if (live?.replicas.has(process)) {
      this.#planned.add(process);
      await process.stop();
      return;
    }
    if (live?.process !== process || live.inFlight > 0) {
      // Kept (its replicas are busy): the pool forgot it, and adopts it again when asked.
      if (live?.pooledPrimary === process) live.pooledPrimary = undefined;
      return;
    }
    await this.stop(id, "evicted: the host's process budget is full");
  }

  /**
   * Starts an extension, or returns its running process. Its dependencies are
   * started first; after a crash the start waits out the backoff; a disabled
   * extension does not start.
   *
   * @param id The extension.
   * @returns The ready process.
   * @throws {SymphonyError} `Disabled`, `DependencyError`, or why activation failed.
   */
  async start(id: string): Promise<ExtensionProcess> {
    // Through the Pool Manager, so that every process counts towards the budget.
    const checkout = await this.#checkout(id, await this.#record(id));
    this.pool.checkin(checkout);
    return checkout.instance;
  }

  /**
   * Starts every installed extension whose manifest says `activation = "eager"`,
   * dependencies first, then pre-warms the ones an earlier host called often
   * (the Pool Manager's decayed call rates), within the process budget. A
   * failure is reported as a notice, not thrown.
   */
  async startEager(): Promise<void> {
    const startable = (await this.list()).filter((e) =>
      e.disabled === undefined && e.suspended !== true
    );
    for (const e of startable) this.#pool(e.id, e);
    const eager = startable.filter((e) => e.manifest.activation === "eager");
    await Promise.all(
      eager.map((e) =>
        this.start(e.id).catch((error) =>
          this.#notice({ id: e.id, level: "error", message: (error as Error).message })
        )
      ),
    );
    const warmed = await this.pool.ensureWarm();
    for (const id of warmed.started) {
      this.#notice({
        id,
        level: "info",
        message: `${id} pre-warmed: it was called often recently`,
      });
    }
    for (const { extensionId, error } of warmed.failed) {
      this.#notice({ id: extensionId, level: "error", message: error.message });
    }
  }

  /** Stops an extension politely if it is running, and forgets what was read of it. */
  async stop(id: string, reason = "stopped by the host"): Promise<void> {
    this.#records.delete(id);
    // Installs and uninstalls stop the extension: who subscribes may have changed.
    this.#subscriberList = undefined;
    const live = this.#live.get(id);
    if (live === undefined) return;
    await this.#stopReplicas(live);
    const process = live.process ?? await live.starting?.catch(() => undefined);
    if (process === undefined || !process.alive) return;
    live.stopping = true;
    this.#planned.add(process);
    this.#transition(id, "stopping", reason);
    await process.stop();
  }

  /**
   * Stops every running extension, each with a bounded time for `deactivate`.
   * Starts waiting for a backoff or a resume give up, and nothing new starts.
   */
  async stopAll(): Promise<void> {
    this.#closing = true;
    this.#closed.resolve();
    clearInterval(this.#sync);
    clearInterval(await this.#retention);
    await Promise.all([...this.#live.keys()].map((id) => this.stop(id, "the host is stopping")));
    for (const live of this.#live.values()) clearTimeout(live.flush);
    await this.pool.close();
    await this.#saveRates();
    this.#watchdog[Symbol.dispose]();
  }

  /** Stops every running extension, finishes the audit appends, and closes the database. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stopAll();
    await Promise.all(this.#auditing);
    this.pit[Symbol.dispose]();
    this.store[Symbol.dispose]();
  }

  /**
   * Suspends an extension: it holds no CPU (its process gets SIGSTOP once the
   * calls in flight are done) and keeps its memory, so `resume` is instant.
   * Calls meanwhile wait (up to their timeout) or fail, as configured. The
   * suspension is recorded: a later host does not start it either.
   *
   * @param id The extension.
   * @param options Who asks.
   */
  async suspend(id: string, options: ActorOptions = {}): Promise<void> {
    await this.#updateRecord(id, (e) => ({
      ...e,
      suspended: true,
      history: appendHistory(e.history, entry("suspended", "suspended by an admin")),
    }), { kind: "suspend", extension: id, actor: this.#by(options), detail: {} });
    const live = this.#liveOf(id);
    live.suspended = true;
    this.#transition(id, "suspended", "suspended by an admin");
    // One process keeps its memory for an instant resume; the others end.
    await this.#stopReplicas(live);
    await live.process?.suspend();
  }

  /**
   * Resumes a suspended extension.
   *
   * @param id The extension.
   * @param options Who asks.
   */
  async resume(id: string, options: ActorOptions = {}): Promise<void> {
    await this.#updateRecord(id, (e) => {
      const { suspended: _, ...rest } = e;
      return {
        ...rest,
        history: appendHistory(e.history, entry("resumed", "resumed by an admin")),
      };
    }, { kind: "resume", extension: id, actor: this.#by(options), detail: {} });
    const live = this.#liveOf(id);
    live.suspended = false;
    for (const wake of this.#resumeWaiters.get(id)?.splice(0) ?? []) wake();
    const process = live.process;
    if (process?.alive === true) {
      process.resume();
      this.#transition(id, process.busy ? "busy" : "ready", "resumed by an admin");
    } else this.#transition(id, "stopped", "resumed by an admin; starts on next need");
  }

  /**
   * Re-enables an extension the circuit breaker (or an admin) disabled; its
   * earlier crashes no longer count. An extension an update disabled for
   * asking for more is granted what it asked for: enabling approves it.
   *
   * @param id The extension.
   * @param by Who enabled it, for the history.
   * @param options Who asks, for the audit trail.
   */
  async enable(id: string, by = "an admin", options: ActorOptions = {}): Promise<void> {
    const approved = (await this.get(id)).disabled?.newPermissions;
    await this.#updateRecord(id, (e) => {
      const { disabled, ...rest } = e;
      return {
        ...rest,
        grants: withPermissions(e.grants, disabled?.newPermissions ?? {}),
        history: appendHistory(e.history, entry("enabled", `enabled by ${by}`)),
      };
    }, {
      kind: "enable",
      extension: id,
      actor: this.#by(options),
      detail: approved === undefined ? {} : { granted: approved },
    });
    const live = this.#liveOf(id);
    live.crashesInARow = 0;
    if (live.state === "disabled") this.#transition(id, "stopped", `enabled by ${by}`);
  }

  /**
   * Applies the host policy's retention (`retention` in `host/policy.json`)
   * on its schedule, until the host stops: old artifacts as `symphony gc`
   * removes them, and extension processes idle past `process_idle_minutes`.
   * Without a retention in the policy, nothing runs.
   */
  startRetention(): void {
    if (this.#retention !== undefined) return;
    let running = false;
    const tick = async (): Promise<void> => {
      if (running || this.#closing) return;
      running = true;
      try {
        await this.runRetention();
      } catch (error) {
        this.#notice({
          level: "warn",
          message: `Cannot apply the retention: ${(error as Error).message}`,
        });
      } finally {
        running = false;
      }
    };
    this.#retention = this.policy().then((policy) => {
      if (policy.retention === undefined || this.#closing) return undefined;
      const timer = setInterval(tick, policy.retention.every_minutes * 60_000);
      Deno.unrefTimer(timer);
      return timer;
    }, () => undefined);
  }

  /**
   * Applies the host policy's retention once, now.
   *
   * @returns What was removed and reaped, and why; undefined without a retention in the policy.
   */
  async runRetention(): Promise<StaleReport | undefined> {
    const { retention } = await this.policy();
    if (retention === undefined) return undefined;
    const day = 86_400_000;
    const policy: StalePolicy = {
      ...(retention.max_age_days === undefined ? {} : { maxAgeMs: retention.max_age_days * day }),
      ...(retention.max_idle_days === undefined
        ? {}
        : { maxIdleMs: retention.max_idle_days * day }),
      ...(retention.max_bytes === undefined ? {} : { maxTotalBytes: retention.max_bytes }),
      ...(retention.keep_per_name === undefined ? {} : { keepPerName: retention.keep_per_name }),
      ...(retention.archive_dir === undefined ? {} : { archiveDir: retention.archive_dir }),
      ...(retention.process_idle_minutes === undefined
        ? {}
        : { processIdleMs: retention.process_idle_minutes * 60_000 }),
    };
    return await this.pit.gc({ policy, reaper: this.#idleReaper() });
  }

  // The Stale Manager's view of the running processes: idle since their last call.
  #idleReaper(): IdleReaper {
    return {
      idleInstances: () =>
        [...this.#live].filter(([, live]) =>
          live.process?.alive === true && live.inFlight === 0 && !live.suspended &&
          !live.stopping
        ).map(([id, live]) => ({ key: id, idleSinceMs: live.lastBusyAt })),
      reap: (id) => this.stop(id, "idle: reaped by the host's retention policy"),
    };
  }

  /**
   * Sets an extension's trust tier: what it may reach of the Pit through
   * `ctx`. Takes effect on its next request; the change is audited.
   *
   * @param id The extension.
   * @param tier `community`, `trusted` or `enterprise`.
   * @param options Who asks.
   * @throws {SymphonyError} `NotFound`, or `InvalidInput` for an unknown tier.
   */
  async setTrust(id: string, tier: TrustTier, options: ActorOptions = {}): Promise<void> {
    if (!(TRUST_TIERS as readonly string[]).includes(tier)) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot set the trust of ${id}: "${tier}" is not a tier (${TRUST_TIERS.join(", ")})`,
      );
    }
    const from = (await this.get(id)).trust ?? "community";
    await this.#updateRecord(
      id,
      (e) => ({ ...e, trust: tier }),
      {
        kind: "trust",
        extension: id,
        actor: this.#by(options),
        detail: { from, to: tier },
      },
    );
    // The tier decides what escapes of the sandbox its flags may hold.
    if (tier !== from && this.isRunning(id)) {
      await this.#restart(id, `its trust changed to ${tier}`);
    }
  }

  /**
   * Disables an extension: it is stopped and does not start until enabled.
   *
   * @param id The extension.
   * @param reason Why, for the history.
   * @param options Who asks.
   */
  async disable(
    id: string,
    reason = "disabled by an admin",
    options: ActorOptions = {},
  ): Promise<void> {
    await this.#updateRecord(id, (e) => ({
      ...e,
      disabled: { at: new Date().toISOString(), reason },
      history: appendHistory(e.history, entry("disabled", reason)),
    }), { kind: "disable", extension: id, actor: this.#by(options), detail: { reason } });
    await this.stop(id, reason);
    this.#transition(id, "disabled", reason);
  }

  /**
   * The host policy (`host/policy.json`), read at most once a watch interval.
   *
   * @returns The policy in force.
   * @throws {SymphonyError} `PermissionDenied` when the file is invalid: nothing starts.
   */
  policy(): Promise<HostPolicy> {
    const now = Date.now();
    if (
      this.#hostPolicy === undefined || now - this.#hostPolicyRead > this.#limits.watchIntervalMs
    ) {
      this.#hostPolicyRead = now;
      const file = join(this.layout.hostDir, "policy.json");
      this.#hostPolicy = readHostPolicy(file).then((policy) => {
        try {
          this.pit.defineResources(policy.resources);
        } catch (error) {
          throw new SymphonyError(
            "PermissionDenied",
            `Cannot start extensions: the host policy ${file} is invalid (resources: ${
              (error as Error).message
            }); fix it or remove it`,
            { cause: error },
          );
        }
        return policy;
      });
      this.#hostPolicy.catch(() => {});
    }
    return this.#hostPolicy;
  }

  /**
   * What an extension requested and what it was granted, per permission kind.
   *
   * @param id The extension.
   * @returns For each kind, the requested values, split into granted and denied.
   */
  async grants(
    id: string,
  ): Promise<Record<PermissionKind, { granted: string[]; denied: string[] }>> {
    const installed = await this.get(id);
    const policy = await this.policy();
    const result = {} as Record<PermissionKind, { granted: string[]; denied: string[] }>;
    for (const kind of PERMISSION_KINDS) {
      const requested: readonly string[] = installed.manifest.permissions[kind];
      const allowed = tierGrants(installed, policy)[kind] ?? [];
      const isGranted = (value: string) => allowed.includes(value);
      result[kind] = {
        granted: requested.filter(isGranted),
        denied: requested.filter((value) => !isGranted(value)),
      };
    }
    return result;
  }

  /**
   * Grants one requested permission. It takes effect at once: a running
   * extension is restarted with the new flags (a failed start is a notice).
   *
   * @param id The extension.
   * @param kind The permission kind.
   * @param value One of the values the manifest requests for that kind.
   * @param options Who asks.
   * @throws {SymphonyError} `InvalidInput` for a value not requested; `PermissionDenied`
   *   for what the community tier may never have (`run`).
   */
  async grant(
    id: string,
    kind: PermissionKind,
    value: string,
    options: ActorOptions = {},
  ): Promise<void> {
    const installed = await this.get(id);
    const requested: readonly string[] = installed.manifest.permissions[kind];
    if (!requested.includes(value)) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot grant ${id} ${kind} ${value}: it does not request it (it requests ${
          requested.join(", ") || "nothing"
        } for ${kind})`,
      );
    }
    const policy = await this.policy();
    const refused = grantRefusal(installed, policy, kind, value);
    if (refused !== undefined) {
      await this.#audit({
        kind: "policy-refusal",
        extension: id,
        actor: this.#by(options),
        detail: { refused: "grant", permission: kind, value, rule: refused.rule, why: refused.why },
      });
      throw new SymphonyError(
        "PermissionDenied",
        `Cannot grant ${id} ${kind} ${value}: ${refused.why}`,
      );
    }
    await this.#changeGrants(
      id,
      "grant",
      kind,
      value,
      (current) => unique([...current, value]),
      this.#by(options),
    );
  }

  /**
   * Revokes a permission (one value, or every value of the kind). It takes
   * effect at once, as {@linkcode grant} does.
   *
   * @param id The extension.
   * @param kind The permission kind.
   * @param value The value; all of the kind when omitted.
   * @param options Who asks.
   */
  async revoke(
    id: string,
    kind: PermissionKind,
    value?: string,
    options: ActorOptions = {},
  ): Promise<void> {
    await this.#changeGrants(
      id,
      "revoke",
      kind,
      value,
      (current) => value === undefined ? [] : current.filter((v) => v !== value),
      this.#by(options),
    );
  }

  async #changeGrants(
    id: string,
    action: "grant" | "revoke",
    kind: PermissionKind,
    value: string | undefined,
    change: (current: readonly string[]) => string[],
    actor: string,
  ): Promise<void> {
    const current = await this.get(id);
    // Programs to run are granted one by one: none until an admin grants one.
    const before = current.grants[kind] ??
      (kind === "run" ? [] : current.manifest.permissions[kind]);
    const after = change(before);
    await this.#updateRecord(id, (e) => ({ ...e, grants: { ...e.grants, [kind]: after } }), {
      kind: action,
      extension: id,
      actor,
      detail: {
        permission: kind,
        ...(value === undefined ? { all: true } : { value }),
        granted: after,
      },
    });
    if (this.isRunning(id)) {
      await this.#restart(id, `${action} of ${kind}`);
    }
  }

  // Stops a running extension and starts it again with the flags recorded
  // now, after a change (`cause`) to what bounds them. A start that fails is
  // reported, not thrown: the change itself is made.
  async #restart(id: string, cause: string): Promise<void> {
    await this.stop(id, `${cause}: restarts with its new flags`);
    try {
      await this.start(id);
    } catch (error) {
      this.#notice({
        id,
        level: "error",
        message: `Cannot restart ${id} after ${cause}: ${(error as Error).message}`,
      });
    }
  }

  // Sends the merged settings to every running process of an extension, once.
  #sendSettings(id: string, merged: Record<string, unknown>): void {
    const live = this.#live.get(id);
    if (live === undefined) return;
    const text = JSON.stringify(merged);
    if (text === live.settings) return;
    live.settings = text;
    for (const process of [live.process, ...live.replicas]) process?.notify("$/settings", merged);
  }

  /**
   * An extension's settings: the merged values and what each level sets.
   *
   * @param id The extension.
   * @returns The merged values and the levels.
   */
  async settings(
    id: string,
  ): Promise<
    {
      merged: Record<string, unknown>;
      levels: Partial<Record<SettingLevel, Record<string, unknown>>>;
    }
  > {
    const installed = await this.get(id);
    return { merged: mergeSettings(installed), levels: installed.settingLevels ?? {} };
  }

  /**
   * Sets (or, with `undefined`, clears) settings at one level. Every value is
   * checked against the manifest's settings schema first: one bad value and
   * nothing is stored. A running extension gets the merged values at once,
   * without a restart.
   *
   * @param id The extension.
   * @param level `system`, `user` or `workspace`.
   * @param values Setting name → value, or undefined to clear it at this level.
   * @throws {SymphonyError} `InvalidInput` naming the setting and the reason.
   */
  async setSettings(
    id: string,
    level: SettingLevel,
    values: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const installed = await this.get(id);
    const problems: string[] = [];
    for (const [name, value] of Object.entries(values)) {
      const setting = installed.manifest.settings[name];
      if (setting === undefined) {
        problems.push(`settings.${name}: ${id} has no such setting`);
      } else if (value !== undefined) {
        const problem = checkSettingValue(setting, value);
        if (problem !== undefined) {
          problems.push(`settings.${name}${problem.startsWith("[") ? "" : ": "}${problem}`);
        }
      }
    }
    if (problems.length > 0) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot set the settings of ${id}: ${problems.join("; ")}`,
      );
    }
    let merged: Record<string, unknown> = {};
    await this.#updateRecord(id, (e) => {
      const levels = { ...e.settingLevels };
      const at = { ...levels[level] };
      for (const [name, value] of Object.entries(values)) {
        if (value === undefined) delete at[name];
        else at[name] = value;
      }
      levels[level] = at;
      const next = { ...e, settingLevels: levels };
      merged = mergeSettings(next);
      return { ...next, settings: merged };
    });
    this.#sendSettings(id, merged);
    return merged;
  }

  readonly #resumeWaiters = new Map<string, (() => void)[]>();

  async #start(id: string, chain: readonly string[]): Promise<ExtensionProcess> {
    const live = this.#liveOf(id);
    if (live.process?.alive === true) return live.process;
    if (live.starting !== undefined) return await live.starting;
    const starting = this.#launch(id, live, chain);
    live.starting = starting;
    try {
      return await starting;
    } finally {
      live.starting = undefined;
    }
  }

  async #launch(id: string, live: Live, chain: readonly string[]): Promise<ExtensionProcess> {
    if (chain.includes(id)) {
      throw new SymphonyError(
        "DependencyError",
        `Cannot start ${id}: its dependencies form a cycle (${[...chain, id].join(" → ")})`,
      );
    }
    this.#refuseIfClosing(id);
    let installed = await this.#record(id);
    if (installed.disabled !== undefined) {
      if (live.state !== "disabled") this.#transition(id, "disabled", installed.disabled.reason);
      throw new SymphonyError(
        "Disabled",
        `Cannot start ${id}: it is disabled (${installed.disabled.reason}); run symphony enable ${id}`,
      );
    }
    if (live.suspended || installed.suspended === true) {
      live.suspended = true;
      if (this.#options.suspendedCalls === "fail") {
        throw new SymphonyError("Disabled", `Cannot start ${id}: it is suspended; resume it first`);
      }
      await this.#untilResumed(id, installed.manifest.resources.timeout_ms);
      installed = await this.#record(id);
    }
    // Dependencies first: each must be ready before this one activates.
    for (const dependency of Object.keys(installed.manifest.dependencies)) {
      try {
        await this.#start(dependency, [...chain, id]);
      } catch (error) {
        throw new SymphonyError(
          "DependencyError",
          `Cannot start ${id}: its dependency ${dependency} did not start: ${
            (error as Error).message
          }`,
          { cause: error },
        );
      }
    }
    const wait = backoffDelay(live.crashesInARow, this.#policy) - (Date.now() - live.lastCrashAt);
    if (wait > 0) {
      this.#transition(id, live.state, `waiting ${wait} ms before restarting after a crash`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise((resolve) => timer = setTimeout(resolve, wait)),
        this.#closed.promise,
      ]);
      clearTimeout(timer);
    }
    this.#refuseIfClosing(id);
    // A broken policy file is the host's fault, not the extension's: the
    // start is refused, never counted as a crash.
    await this.policy();
    this.#transition(id, "starting", live.crashesInARow > 0 ? "restart after a crash" : "needed");
    live.stopping = false;
    let process: ExtensionProcess;
    try {
      process = await this.#spawn(id);
    } catch (error) {
      const failure = error instanceof SymphonyError
        ? error
        : new SymphonyError("Crashed", `Cannot start ${id}: ${(error as Error).message}`);
      await this.#crashed(id, live, failure);
      throw failure;
    }
    this.#adopt(id, live, process, installed, "activated");
    if (live.suspended) {
      await process.suspend();
      this.#transition(id, "suspended", "suspended before it started");
    }
    return process;
  }

  // Makes a started process the extension's live one: watched, and its exit handled.
  #adopt(
    id: string,
    live: Live,
    process: ExtensionProcess,
    record: InstalledExtension,
    reason: string,
  ): void {
    live.process = process;
    live.memoryMb = record.manifest.resources.memory_mb;
    live.grants = JSON.stringify(record.grants);
    live.trust = record.trust ?? "community";
    live.settings = JSON.stringify(record.settings);
    this.#startSync();
    live.memoryWarned = false;
    live.idleCpuMs = 0;
    live.lastBusyAt = Date.now();
    this.#unwatch.set(
      process,
      this.#watchdog.watch(
        process.pid,
        (sample, previous) => this.#onSample(id, live, live, process, sample, previous),
      ),
    );
    void process.exited.then(() => this.#onExit(id, live, process));
    this.#transition(id, "ready", reason);
  }

  /**
   * Replaces an extension's code and manifest, as a hot reload does: a running
   * extension hands its `snapshot()` to the new version's `restore`, and the
   * new process must activate before the old one is stopped. When it does
   * not, the old one keeps running and nothing is recorded.
   *
   * @param id The extension.
   * @param manifest The new manifest, validated, with the same id.
   * @returns Whether a running process was replaced (false: it was not running).
   * @throws {SymphonyError} Why the new version did not start; the old one is untouched.
   */
  async replace(id: string, manifest: Manifest): Promise<boolean> {
    const current = await this.get(id);
    if (manifest.id !== id) {
      throw new SymphonyError(
        "InvalidManifest",
        `Cannot reload ${id}: the manifest's id is now ${manifest.id}`,
      );
    }
    const candidate: InstalledExtension = { ...current, manifest, version: manifest.version };
    const live = this.#liveOf(id);
    if (live.suspended || current.suspended === true) {
      throw new SymphonyError("Disabled", `Cannot reload ${id}: it is suspended; resume it first`);
    }
    await live.starting?.catch(() => undefined);
    const old = live.process?.alive === true ? live.process : undefined;
    if (old === undefined) {
      await this.#updateRecord(id, (e) => ({ ...e, manifest, version: manifest.version }));
      return false;
    }
    let restore: { state: unknown } | undefined;
    try {
      restore = { state: await old.snapshot(this.#limits.killGraceMs) };
    } catch (error) {
      this.#notice({
        id,
        level: "warn",
        message: `${id}'s snapshot() failed, so its state is not carried over: ${
          (error as Error).message
        }`,
      });
    }
    const process = await this.#spawn(id, candidate, restore);
    await this.#updateRecord(id, (e) => ({ ...e, manifest, version: manifest.version }));
    this.#planned.add(old);
    this.#adopt(id, live, process, candidate, `reloaded ${manifest.version}`);
    void old.stop();
    // The old version's other processes go too; the pool starts new ones as calls need them.
    void this.#stopReplicas(live);
    return true;
  }

  // Other host processes (the command line) change the durable state: a
  // running host applies disables, suspends, resumes, grant changes and
  // uninstalls to its processes within a watch interval.
  #startSync(): void {
    if (this.#sync !== undefined) return;
    const sync = setInterval(() => void this.#syncDurable(), this.#limits.watchIntervalMs);
    Deno.unrefTimer(sync);
    this.#sync = sync;
  }

  async #syncDurable(): Promise<void> {
    let extensions: Record<string, InstalledExtension>;
    try {
      ({ extensions } = await this.store.read());
    } catch {
      return;
    }
    for (const [id, live] of this.#live) {
      const process = live.process;
      if (process === undefined || !process.alive || live.stopping) continue;
      const record = extensions[id];
      if (record === undefined) {
        await this.stop(id, "uninstalled by another host process");
      } else if (record.disabled !== undefined) {
        await this.stop(id, record.disabled.reason);
        this.#transition(id, "disabled", record.disabled.reason);
      } else if (record.suspended === true && !live.suspended) {
        live.suspended = true;
        this.#transition(id, "suspended", "suspended by another host process");
        await process.suspend();
      } else if (record.suspended !== true && live.suspended) {
        live.suspended = false;
        for (const wake of this.#resumeWaiters.get(id)?.splice(0) ?? []) wake();
        process.resume();
        this.#transition(id, "ready", "resumed by another host process");
      } else if (JSON.stringify(record.grants) !== live.grants) {
        this.#records.delete(id);
        await this.#restart(id, "its grants changed");
      } else if ((record.trust ?? "community") !== live.trust) {
        // The tier bounds its flags, and judges its requests to the Pit.
        this.#records.delete(id);
        await this.#restart(id, "its trust changed");
      } else {
        // Settings changed by another host process reach it as if changed here.
        this.#sendSettings(id, record.settings);
      }
    }
  }

  #refuseIfClosing(id: string): void {
    if (this.#closing) {
      throw new SymphonyError("Crashed", `Cannot start ${id}: the host is stopping`);
    }
  }

  #untilResumed(id: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      void this.#closed.promise.then(() => {
        clearTimeout(timer);
        reject(new SymphonyError("Crashed", `Cannot start ${id}: the host is stopping`));
      });
      const waiters = this.#resumeWaiters.get(id) ?? [];
      this.#resumeWaiters.set(id, waiters);
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(wake), 1);
        reject(
          new SymphonyError(
            "Timeout",
            `Cannot call ${id}: it stayed suspended for ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const wake = () => (clearTimeout(timer), resolve());
      waiters.push(wake);
    });
  }

  // The process can take no more calls: it is on its way out.
  #onFail(id: string, failure: SymphonyError, process: ExtensionProcess): void {
    const live = this.#liveOf(id);
    if (live.process !== process) return;
    // It takes no more calls: the next need starts another while it exits.
    live.process = undefined;
    if (live.state !== "stopping") this.#transition(id, "stopping", failure.message);
  }

  async #onExit(id: string, live: Live, process: ExtensionProcess): Promise<void> {
    this.#unwatch.get(process)?.();
    // The activity shows it gone (unless a successor runs already): a point
    // with no memory, and the calls that ended meanwhile.
    if (live.process === undefined || live.process === process) {
      this.#measure(id, live, undefined, undefined);
    }
    this.pool.remove(id, process);
    if (live.pooledPrimary === process) live.pooledPrimary = undefined;
    if (live.process === process) live.process = undefined;
    // Its leases and uploads go with it (a successor has a session of its own).
    const session = this.#sessions.get(process);
    if (session !== undefined) this.#pitRequests.close(session);
    // A successor may already run: this exit is then recorded, but its state stays.
    const current = (): boolean => live.process === undefined && live.starting === undefined;
    const failure = process.failure;
    if (this.#planned.has(process) || failure === undefined) {
      if (current() && live.state !== "disabled") {
        this.#transition(id, "stopped", "stopped by the host");
      }
      return;
    }
    if (failure.code === "Timeout") {
      // A limit kill for one call, not a crash: the next call starts afresh.
      await this.#recordHistory(id, entry("stopped", failure.message, failure.code));
      this.#audit({
        kind: "limit-kill",
        extension: id,
        actor: "conductor",
        detail: { code: failure.code, reason: failure.message },
      });
      this.events.publish("host", "extension.crashed", {
        id,
        kind: "limit-kill",
        code: failure.code,
        reason: failure.message,
        disabled: false,
      });
      if (current()) this.#transition(id, "stopped", failure.message);
      return;
    }
    await this.#crashed(id, live, failure, current());
  }

  // A crash: recorded, counted, and the circuit breaker consulted.
  async #crashed(id: string, live: Live, failure: SymphonyError, current = true): Promise<void> {
    live.crashesInARow++;
    live.lastCrashAt = Date.now();
    this.#notice({ id, level: "error", message: failure.message });
    let disabled = false;
    try {
      await this.#updateRecord(id, (e) => {
        const history = appendHistory(e.history, entry("crashed", failure.message, failure.code));
        const crashes = recentCrashes(history, Date.now(), this.#policy);
        if (crashes < this.#policy.crashesToDisable) return { ...e, history };
        disabled = true;
        const reason = `${crashes} crashes within ${
          Math.round(this.#policy.windowMs / 1000)
        } s; the last: ${failure.message}`;
        return {
          ...e,
          disabled: { at: new Date().toISOString(), reason },
          history: appendHistory(history, entry("disabled", reason)),
        };
      });
    } catch {
      // Uninstalled meanwhile: nothing to record.
    }
    const kind = failure.code === "ResourceExhausted" ? "limit-kill" : "crash";
    this.#audit({
      kind,
      extension: id,
      actor: "conductor",
      detail: { code: failure.code, reason: failure.message },
    });
    this.events.publish("host", "extension.crashed", {
      id,
      kind,
      code: failure.code,
      reason: failure.message,
      disabled,
    });
    if (current || disabled) this.#transition(id, "crashed", failure.message);
    if (disabled) {
      // A successor started meanwhile stops too (never the start in progress: it is this one).
      const successor = live.process;
      if (successor?.alive === true) {
        this.#planned.add(successor);
        await successor.stop();
      }
      this.#audit({
        kind: "disable",
        extension: id,
        actor: "conductor",
        detail: { reason: "circuit breaker", crashes: this.#policy.crashesToDisable },
      });
      this.#transition(id, "disabled", "the circuit breaker opened: too many crashes");
      this.#notice({
        id,
        level: "error",
        message:
          `${id} is disabled after ${this.#policy.crashesToDisable} crashes; run symphony enable ${id}`,
      });
    }
  }

  // An activity point from the first process's sample and the calls ended
  // since; without a sample (no process runs), it holds only the calls.
  #measure(
    id: string,
    live: Live,
    sample: ProcessSample | undefined,
    previous: ProcessSample | undefined,
  ): void {
    const elapsed = previous === undefined || sample === undefined ? 0 : sample.at - previous.at;
    const cpuPercent = elapsed > 0 && previous !== undefined && sample !== undefined
      ? Math.max(0, Math.round(((sample.cpuMs - previous.cpuMs) / elapsed) * 1000) / 10)
      : 0;
    const point: ExtensionSample = {
      id,
      at: sample?.at ?? Date.now(),
      rssBytes: sample?.rssBytes ?? 0,
      cpuPercent,
      ...live.ended,
    };
    live.ended = { calls: 0, errors: 0 };
    live.metrics.push(point);
    if (live.metrics.length > METRICS_KEPT) live.metrics.shift();
    this.events.publish("host", "extension.sample", point);
  }

  // A log line of an extension, or the host's about it: kept, published, handed on.
  #log(line: ExtensionLogLine): void {
    const entry: ExtensionLogEntry = {
      ...line,
      seq: ++this.#logLines,
      at: new Date().toISOString(),
    };
    const live = this.#live.get(line.id);
    if (live !== undefined) {
      live.logs.push(entry);
      if (live.logs.length > LOGS_KEPT) live.logs.shift();
    }
    this.events.publish("host", "extension.log", entry);
    this.#options.onLog?.(line);
  }

  // The watchdog's tick for one process: memory, CPU while idle, health.
  #onSample(
    id: string,
    live: Live,
    watch: ProcessWatch,
    process: ExtensionProcess,
    sample: ProcessSample | undefined,
    previous: ProcessSample | undefined,
  ): void {
    if (!process.alive) return;
    process.checkHealth(this.#limits.pingIntervalMs);
    if (sample === undefined) return;
    watch.samples.push(sample);
    if (watch.samples.length > SAMPLES_KEPT) watch.samples.shift();
    if (watch === live) this.#measure(id, live, sample, previous);
    const limitMb = live.memoryMb;
    if (Number.isFinite(limitMb)) {
      const usedMb = sample.rssBytes / (1024 * 1024);
      if (usedMb > limitMb) {
        void process.terminate(
          new SymphonyError(
            "ResourceExhausted",
            `Cannot call ${id}: it used ${
              Math.round(usedMb)
            } MiB, over its memory_mb of ${limitMb}, and was stopped`,
          ),
        );
        return;
      }
      if (usedMb >= limitMb * this.#limits.memoryWarnRatio && !watch.memoryWarned) {
        watch.memoryWarned = true;
        this.#notice({
          id,
          level: "warn",
          message: `${id} uses ${Math.round(usedMb)} MiB, ${
            Math.round((usedMb / limitMb) * 100)
          } % of its memory_mb of ${limitMb}`,
        });
      }
    }
    // CPU while idle: only windows with no call in them count.
    if (
      previous === undefined || process.busy || process.suspended || previous.at < live.lastBusyAt
    ) {
      watch.idleCpuMs = 0;
      return;
    }
    const elapsed = sample.at - previous.at;
    if (elapsed > 0 && sample.cpuMs - previous.cpuMs >= elapsed * this.#limits.idleCpuShare) {
      watch.idleCpuMs += elapsed;
    } else watch.idleCpuMs = 0;
    if (watch.idleCpuMs >= this.#limits.idleCpuWindowMs) {
      void process.terminate(
        new SymphonyError(
          "ResourceExhausted",
          `Cannot call ${id}: it burned CPU for ${watch.idleCpuMs} ms with no call running, and was stopped`,
        ),
      );
    }
  }

  #liveOf(id: string): Live {
    let live = this.#live.get(id);
    if (live === undefined) {
      live = {
        state: "installed",
        process: undefined,
        starting: undefined,
        memoryMb: Infinity,
        grants: "",
        trust: "community",
        settings: "",
        inFlight: 0,
        lastBusyAt: 0,
        crashesInARow: 0,
        lastCrashAt: 0,
        memoryWarned: false,
        idleCpuMs: 0,
        samples: [],
        transitions: [],
        metrics: [],
        ended: { calls: 0, errors: 0 },
        flush: undefined,
        logs: [],
        stopping: false,
        suspended: false,
        replicas: new Set(),
        pooledPrimary: undefined,
      };
      this.#live.set(id, live);
    }
    return live;
  }

  #transition(id: string, to: ExtensionState, reason: string): void {
    const live = this.#liveOf(id);
    const change: StateChange = { id, from: live.state, to, reason, at: new Date().toISOString() };
    live.state = to;
    live.transitions.push(change);
    if (live.transitions.length > TRANSITIONS_KEPT) live.transitions.shift();
    this.#options.onStateChange?.(change);
    this.events.publish("host", "extension.state", change);
  }

  /**
   * Who acts through this host unless a change names someone else (its
   * {@linkcode ActorOptions}): the host's `actor` option, else `conductor`.
   */
  get actor(): string {
    return this.#options.actor ?? "conductor";
  }

  // Who a change is audited as: the one it names, else the host's actor.
  #by(options: ActorOptions): string {
    return options.actor ?? this.actor;
  }

  // Appends to the trail without holding up the caller; a failure is a
  // notice. The host waits for every append before it closes.
  #audit(entry: AuditEntry): Promise<void> {
    const append = this.audit.append(entry).then(
      () => {},
      (error) =>
        this.#notice({
          level: "error",
          message: `Cannot append to the audit trail: ${(error as Error).message}`,
        }),
    );
    this.#auditing.add(append);
    void append.finally(() => this.#auditing.delete(append));
    return append;
  }

  #notice(notice: HostNotice): void {
    this.#options.onNotice?.(notice);
  }

  async #recordHistory(id: string, item: HistoryEntry): Promise<void> {
    try {
      await this.#updateRecord(id, (e) => ({ ...e, history: appendHistory(e.history, item) }));
    } catch {
      // Uninstalled meanwhile.
    }
  }

  // Changes one record; with an audit entry, both in one transaction.
  async #updateRecord(
    id: string,
    change: (installed: InstalledExtension) => InstalledExtension,
    audit?: AuditEntry,
  ): Promise<void> {
    const update = (state: HostState): HostState => {
      const installed = state.extensions[id];
      if (installed === undefined) {
        throw new SymphonyError("NotFound", `Cannot find ${id}: ${id} is not installed`);
      }
      return { ...state, extensions: { ...state.extensions, [id]: change(installed) } };
    };
    if (audit === undefined) await this.store.update(update);
    else await this.store.updateAudited(update, this.audit, [audit]);
    this.#records.delete(id);
    this.#subscriberList = undefined;
  }

  // The spawner, and the notice of what cannot be enforced here, once per host.
  #containedSpawner(): Spawner {
    if (this.#spawner !== undefined) return this.#spawner;
    if (this.#options.spawner !== undefined) return this.#spawner = this.#options.spawner;
    this.#containment = this.#options.containment ?? probeContainment();
    for (const warning of this.#containment.warnings) {
      this.#notice({ level: "warn", message: warning });
    }
    const sample = this.#options.sampler ?? sampleProcesses;
    void sample([Deno.pid]).then((samples) => {
      if (!samples.has(Deno.pid)) {
        this.#notice({
          level: "warn",
          message:
            "Cannot watch extensions' resident memory or CPU here (no /proc): memory_mb bounds only the JavaScript heap, and a process spinning while idle is not stopped",
        });
      }
    });
    return this.#spawner = containedSpawner(this.#containment);
  }

  async #spawn(
    id: string,
    record?: InstalledExtension,
    restore?: { state: unknown },
  ): Promise<ExtensionProcess> {
    const installed = record ?? await this.#record(id);
    const { manifest } = installed;
    const layout = this.layout;
    // A development install runs from its own directory, linked, not copied.
    const extDir = installed.devDir ??
      (installed.codeDir === undefined
        ? layout.extDir(id, installed.version)
        : join(layout.home, installed.codeDir));
    const paths = {
      workspace: await realPath(this.#options.workspace),
      extDir: await realPath(extDir),
      extData: await ensureDir(layout.dataDir(id)),
      tmp: await ensureDir(layout.tmpDir(id)),
      hostData: await realPath(layout.home),
      runtime: await realPath(RUNTIME_DIR),
    };
    const policy = await this.policy();
    const command = sandboxCommand({
      manifest,
      grants: tierGrants(installed, policy),
      allowRun: mayEscape(installed, policy) && policyAllowsRun(policy),
      paths,
      cacheDir: await ensureDir(layout.cacheDir(id)),
      runtimeModule: await realPath(RUNTIME_MODULE),
      importMap: await realPath(IMPORT_MAP),
      denoPath: this.#options.denoPath ?? Deno.execPath(),
      hostEnv: this.#options.hostEnv ?? Deno.env.toObject(),
      realPath: realPathSync,
    });
    const session = this.#pitRequests.open(id);
    const process = await ExtensionProcess.start({
      id,
      command,
      spawner: this.#containedSpawner(),
      maxConcurrency: manifest.resources.max_concurrency,
      killGraceMs: this.#limits.killGraceMs,
      startTimeoutMs: this.#limits.startTimeoutMs,
      pingTimeoutMs: this.#limits.pingTimeoutMs,
      stderrBytesPerSecond: this.#limits.stderrBytesPerSecond,
      initialize: {
        entry: `${paths.extDir}/${manifest.entry}`,
        settings: installed.settings,
        context: { workspace: paths.workspace, dataDir: paths.extData, tmpDir: paths.tmp },
        ...(restore === undefined ? {} : { restore: restore.state }),
      },
      onLog: (line) => this.#log(line),
      onFail: (failure, process) => this.#onFail(id, failure, process),
      onRequest: (method, params) => this.#answer(manifest, session, method, params),
      onNotification: (method, params) => this.#notified(manifest, method, params),
    }).catch((error) => {
      this.#pitRequests.close(session);
      throw error;
    });
    this.#sessions.set(process, session);
    return process;
  }

  // An extension's requests: only calls to extensions it declared in events.calls.
  async #answer(
    caller: Manifest,
    session: PitSession,
    method: string,
    params: unknown,
  ): Promise<unknown> {
    if (method.startsWith("pit.")) {
      const recorded = (await this.#record(caller.id)).trust;
      // A tier this host does not know is the strictest.
      const trust = TRUST_TIERS.find((tier) => tier === recorded) ?? "community";
      try {
        return await this.#pitRequests.answer({ manifest: caller, trust, session }, method, params);
      } catch (error) {
        if (error instanceof SymphonyError && error.code === "PermissionDenied") {
          this.#audit({
            kind: "policy-refusal",
            extension: caller.id,
            actor: caller.id,
            detail: { refused: method, rule: `${trust} tier`, message: error.message },
          });
        }
        throw error;
      }
    }
    if (method !== "callExtension") throw new SymphonyError("NotFound", `Cannot handle ${method}`);
    const { target, method: targetMethod, input } = (params ?? {}) as Record<string, unknown>;
    if (typeof target !== "string" || typeof targetMethod !== "string") {
      throw new SymphonyError("InvalidInput", "Cannot call: target and method must be strings");
    }
    if (!caller.events.calls.includes(target)) {
      this.#audit({
        kind: "policy-refusal",
        extension: caller.id,
        actor: caller.id,
        detail: { refused: "call", callee: target, method: targetMethod, rule: "events.calls" },
      });
      throw new SymphonyError(
        "PermissionDenied",
        `Cannot call ${target}: ${caller.id} does not list it in events.calls`,
      );
    }
    const pair = `${caller.id} → ${target}`;
    const counts = this.#callCounts.get(pair) ?? { ok: 0, failed: 0 };
    this.#callCounts.set(pair, counts);
    let outcome = "ok";
    try {
      return await this.call(target, targetMethod, input, { caller: caller.id });
    } catch (error) {
      outcome = error instanceof SymphonyError ? error.code : "Internal";
      throw error;
    } finally {
      if (outcome === "ok") counts.ok++;
      else counts.failed++;
      this.#audit({
        kind: "call",
        extension: target,
        actor: caller.id,
        detail: { caller: caller.id, callee: target, method: targetMethod, outcome },
      });
    }
  }

  /**
   * @returns Calls between extensions so far in this host, per `caller → callee` pair.
   */
  callCounts(): ReadonlyMap<string, { readonly ok: number; readonly failed: number }> {
    return this.#callCounts;
  }

  #notified(publisher: Manifest, method: string, params: unknown): void {
    if (method !== "publish") return;
    const { topic, payload } = (params ?? {}) as Record<string, unknown>;
    if (
      typeof topic !== "string" || !publisher.events.publish.includes(topic) || isHostTopic(topic)
    ) {
      // Reported at most once a second per publisher, with how many. A
      // host's topic is refused at install; a record from before is refused here.
      const undeclared = this.#undeclared.get(publisher.id) ?? { count: 0, reported: 0 };
      this.#undeclared.set(publisher.id, undeclared);
      undeclared.count++;
      const now = Date.now();
      if (now - undeclared.reported >= 1_000) {
        this.#log({
          id: publisher.id,
          level: "warn",
          message: `dropped ${undeclared.count} event(s), the last on ${
            JSON.stringify(topic)
          }: not listed in events.publish, or a topic of the host's`,
        });
        undeclared.count = 0;
        undeclared.reported = now;
      }
      return;
    }
    const result = this.events.publish(publisher.id, topic, payload);
    if (!result.ok) {
      // The publisher is told, and the drop counted in the bus's stats.
      this.#live.get(publisher.id)?.process?.notify("$/dropped", {
        topic,
        reason: result.reason,
        message: result.message,
      });
    }
  }

  // Hands an extension's event to every installed extension that subscribes
  // to its topic, in publish order, starting lazy ones on their first event.
  // Events published together are routed together, so each subscriber gets
  // them in one write.
  #route(event: BusEvent): void {
    if (event.from === "host") return;
    this.#toRoute.push(event);
    if (this.#toRoute.length > 1) return;
    this.#routing = this.#routing.then(async () => {
      const subscribers = await this.#subscribers();
      const events = this.#toRoute.splice(0);
      const touched = new Set<string>();
      for (const event of events) {
        for (const installed of subscribers) {
          if (
            installed.id === event.from || installed.disabled !== undefined ||
            !installed.manifest.events.subscribe.some((p) => topicMatches(p, event.topic))
          ) continue;
          this.#enqueue(installed.id, event);
          touched.add(installed.id);
        }
      }
      for (const id of touched) {
        const inbox = this.#inboxes.get(id);
        if (inbox !== undefined && !inbox.draining) void this.#drain(id, inbox);
      }
    }).catch(() => {});
  }

  #subscribers(): Promise<InstalledExtension[]> {
    const now = Date.now();
    if (this.#subscriberList === undefined || now - this.#subscribersRead > 1_000) {
      this.#subscribersRead = now;
      this.#subscriberList = this.list();
    }
    return this.#subscriberList;
  }

  #enqueue(id: string, event: BusEvent): void {
    let inbox = this.#inboxes.get(id);
    if (inbox === undefined) {
      inbox = { events: [], draining: false, dropped: 0 };
      this.#inboxes.set(id, inbox);
    }
    inbox.events.push(event);
    // An extension that cannot keep up loses the oldest, counted: host memory stays bounded.
    if (inbox.events.length > INBOX_LIMIT) (inbox.events.shift(), inbox.dropped++);
  }

  async #drain(id: string, inbox: Inbox): Promise<void> {
    inbox.draining = true;
    try {
      while (inbox.events.length > 0) {
        let process: ExtensionProcess;
        try {
          const running = this.#live.get(id)?.process;
          process = running?.alive === true ? running : await this.start(id);
        } catch (error) {
          this.#notice({
            id,
            level: "warn",
            message: `${inbox.events.length} events for ${id} dropped: ${(error as Error).message}`,
          });
          inbox.events.length = 0;
          return;
        }
        for (const event of inbox.events.splice(0)) {
          process.notify("event", { topic: event.topic, payload: event.payload, from: event.from });
        }
      }
    } finally {
      inbox.draining = false;
    }
  }

  async #record(id: string): Promise<InstalledExtension> {
    const known = this.#records.get(id);
    if (known !== undefined) return known;
    const installed = await this.get(id);
    this.#records.set(id, installed);
    return installed;
  }

  // Checks a value against the schema declared for it, if any: an operator's
  // per function, an instrument's for its inference method.
  #check(
    installed: InstalledExtension,
    method: string,
    which: "input" | "output",
    value: unknown,
  ): void {
    const { operator, instrument } = installed.manifest;
    const schema = operator?.functions.find((f) => f.name === method)?.[which] ??
      (instrument?.method === method ? instrument[which] : undefined);
    if (schema === undefined) return;
    const built = this.#schemas.get(installed) ?? new Map<string, z.ZodType>();
    this.#schemas.set(installed, built);
    let compiled = built.get(`${method}/${which}`);
    if (compiled === undefined) {
      try {
        compiled = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
      } catch (cause) {
        // Validation refuses such schemas, so this manifest bypassed it.
        throw new SymphonyError(
          "Internal",
          `Cannot check the ${which} of ${installed.id} ${method}: its schema cannot be built`,
          { cause },
        );
      }
      built.set(`${method}/${which}`, compiled);
    }
    const result = compiled.safeParse(value);
    if (!result.success) {
      const issues = result.error.issues.slice(0, 3).map((i) =>
        `${i.path.join(".") || "value"}: ${i.message}`
      );
      throw new SymphonyError(
        which === "input" ? "InvalidInput" : "InvalidOutput",
        `Cannot accept the ${which} of ${installed.id} ${method}: ${issues.join("; ")}`,
      );
    }
  }
}

// Whether an extension may have what escapes the sandbox: only one an admin
// set to the enterprise trust tier, on a host whose policy is of the
// enterprise tier. Community and trusted extensions never may.
function mayEscape(installed: InstalledExtension, policy: HostPolicy): boolean {
  return policy.tier === "enterprise" && installed.trust === "enterprise";
}

// The whole file system holds the host's data: no tier may read or write it
// (permissionSet refuses it too, and would refuse the start).
function wholeFileSystem(kind: PermissionKind, value: string): boolean {
  return (kind === "read" || kind === "write") && (value === "*" || value === "/");
}

// Why a requested value may not be granted, and by which rule; undefined when it may.
function grantRefusal(
  installed: InstalledExtension,
  policy: HostPolicy,
  kind: PermissionKind,
  value: string,
): { rule: string; why: string } | undefined {
  if (policyDenies(policy, kind, value)) {
    return { rule: "host policy", why: "the host policy denies it" };
  }
  if (wholeFileSystem(kind, value)) {
    return {
      rule: "host data",
      why: `it ${kind}s the whole file system, the host's data included: no tier may have it`,
    };
  }
  const escape = sandboxEscapes(installed.manifest).find((e) =>
    e.kind === kind && e.value === value
  );
  if (escape === undefined) return undefined;
  const tier = installed.trust ?? "community";
  if (policy.tier !== "enterprise") {
    return {
      rule: `${policy.tier} host`,
      why: `it ${escape.reason}, which this host's policy (the ${policy.tier} tier) never grants`,
    };
  }
  if (kind === "run" && !policyAllowsRun(policy)) {
    return {
      rule: "host policy",
      why: `it ${escape.reason}, which this host's policy does not allow (allow_run)`,
    };
  }
  if (!mayEscape(installed, policy)) {
    return {
      rule: `${tier} tier`,
      why: `it ${escape.reason}, and ${installed.id} is of the ${tier} tier: ` +
        "only the enterprise tier may have it",
    };
  }
  return undefined;
}

// What an extension's process may hold: its grants without what the policy
// denies, never the whole file system, and, unless it may escape the sandbox
// (mayEscape), without what escapes it (wildcards, absolute paths outside the
// workspace and its own directories, hosts on this machine or private
// networks). Programs to run are never granted as requested: only as an
// admin granted them one by one, and only where the policy allows them.
function tierGrants(
  installed: InstalledExtension,
  policy: HostPolicy,
): InstalledExtension["grants"] {
  const escapes = sandboxEscapes(installed.manifest);
  const escaping = mayEscape(installed, policy);
  const grants: Record<string, string[]> = {};
  for (const kind of PERMISSION_KINDS) {
    const requested: readonly string[] = installed.manifest.permissions[kind];
    const allowed = installed.grants[kind] ?? (kind === "run" ? [] : requested);
    grants[kind] = allowed.filter((value) =>
      !policyDenies(policy, kind, value) && !wholeFileSystem(kind, value) &&
      (kind === "run"
        ? escaping && policyAllowsRun(policy)
        : escaping || !escapes.some((e) => e.kind === kind && e.value === value))
    );
  }
  return grants;
}

// Grants with more values added to the kinds granted explicitly; a kind
// granted as requested (absent) already has them.
function withPermissions(grants: Grants, added: Grants): Grants {
  const result: Record<string, readonly string[]> = { ...grants };
  for (const [kind, values] of Object.entries(added)) {
    const current = result[kind];
    if (current !== undefined && values !== undefined) {
      result[kind] = unique([...current, ...values]);
    }
  }
  return result;
}

// Defaults from the manifest, then each level in order; a value a manifest
// no longer declares is ignored.
function mergeSettings(installed: InstalledExtension): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(installed.manifest.settings)) {
    merged[name] = setting.default;
  }
  for (const level of SETTING_LEVELS) {
    for (const [name, value] of Object.entries(installed.settingLevels?.[level] ?? {})) {
      if (name in merged) merged[name] = value;
    }
  }
  return merged;
}

function entry(event: HistoryEntry["event"], reason: string, code?: string): HistoryEntry {
  return { at: new Date().toISOString(), event, reason, ...(code === undefined ? {} : { code }) };
}

async function realPath(path: string): Promise<string> {
  return await Deno.realPath(path);
}

// The real path of `path`, or of its nearest existing ancestor with the rest
// appended: a link in a parent directory must not carry a grant elsewhere.
function realPathSync(path: string): string {
  let rest = "";
  for (let current = path;; current = dirname(current)) {
    try {
      return join(Deno.realPathSync(current), rest);
    } catch {
      if (dirname(current) === current) return path;
      rest = join(basename(current), rest);
    }
  }
}

async function ensureDir(path: string): Promise<string> {
  await Deno.mkdir(path, { recursive: true });
  return await Deno.realPath(path);
}
