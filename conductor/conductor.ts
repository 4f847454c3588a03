/**
 * The Conductor: starts installed extensions in their sandboxes on first use,
 * routes calls to them (checking declared schemas), answers their requests
 * (calls to the extensions they declared), and stops them.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import type { Manifest } from "../manifest/mod.ts";
import { denoSpawner, sandboxCommand, type Spawner } from "../sandbox/mod.ts";
import { IMPORT_MAP, RUNTIME_DIR, RUNTIME_MODULE } from "../stage/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import { type ExtensionLogLine, ExtensionProcess } from "./extension_process.ts";
import { type HomeLayout, homeLayout } from "./home_layout.ts";
import { type InstalledExtension, StateStore } from "./state_store.ts";

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
}

/** Options for {@linkcode Conductor.call}. */
export interface ConductorCallOptions {
  signal?: AbortSignal;
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
  readonly #options: ConductorOptions;
  readonly #running = new Map<string, Promise<ExtensionProcess>>();
  // Read from the state once per run of an extension, forgotten when it stops.
  readonly #records = new Map<string, InstalledExtension>();
  // Built once per installed record; a reinstall brings a new record.
  readonly #schemas = new WeakMap<InstalledExtension, Map<string, z.ZodType>>();

  /** @param options Where things are, and the sinks. */
  constructor(options: ConductorOptions) {
    this.#options = options;
    this.layout = homeLayout(options.home);
    this.store = new StateStore(this.layout.stateFile);
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
    return this.#running.has(id);
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
    const installed = await this.#record(id);
    this.#check(installed, method, "input", input);
    const process = await this.start(id);
    if (!process.methods.includes(method)) {
      throw new SymphonyError(
        "NotFound",
        `Cannot call ${id} ${method}: it has no such method (it has ${
          process.methods.join(", ") || "none"
        })`,
      );
    }
    const result = await process.call(method, input, {
      timeoutMs: installed.manifest.resources.timeout_ms,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    this.#check(installed, method, "output", result);
    return result;
  }

  /**
   * Starts an extension, or returns its running process.
   *
   * @param id The extension.
   * @returns The ready process.
   */
  start(id: string): Promise<ExtensionProcess> {
    const running = this.#running.get(id);
    if (running !== undefined) {
      return running.then((process) =>
        process.alive ? process : (this.#running.delete(id), this.start(id))
      );
    }
    const starting = this.#spawn(id);
    this.#running.set(id, starting);
    starting.catch(() => this.#running.delete(id));
    return starting;
  }

  /** Stops an extension politely if it is running, and forgets what was read of it. */
  async stop(id: string): Promise<void> {
    const running = this.#running.get(id);
    this.#running.delete(id);
    this.#records.delete(id);
    await (await running?.catch(() => undefined))?.stop();
  }

  /** Stops every running extension. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((id) => this.stop(id)));
  }

  /** Stops every running extension. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stopAll();
  }

  async #spawn(id: string): Promise<ExtensionProcess> {
    const installed = await this.#record(id);
    const { manifest } = installed;
    const layout = this.layout;
    const extDir = layout.extDir(id, installed.version);
    const paths = {
      workspace: await realPath(this.#options.workspace),
      extDir: await realPath(extDir),
      extData: await ensureDir(layout.dataDir(id)),
      tmp: await ensureDir(layout.tmpDir(id)),
      hostData: await realPath(layout.home),
      runtime: await realPath(RUNTIME_DIR),
    };
    const command = sandboxCommand({
      manifest,
      grants: installed.grants,
      paths,
      cacheDir: await ensureDir(layout.cacheDir(id)),
      runtimeModule: await realPath(RUNTIME_MODULE),
      importMap: await realPath(IMPORT_MAP),
      denoPath: this.#options.denoPath ?? Deno.execPath(),
      hostEnv: this.#options.hostEnv ?? Deno.env.toObject(),
      realPath: realPathSync,
    });
    return await ExtensionProcess.start({
      id,
      command,
      spawner: this.#options.spawner ?? denoSpawner,
      maxConcurrency: manifest.resources.max_concurrency,
      initialize: {
        entry: `${paths.extDir}/${manifest.entry}`,
        settings: installed.settings,
        context: { workspace: paths.workspace, dataDir: paths.extData, tmpDir: paths.tmp },
      },
      onLog: (line) => this.#options.onLog?.(line),
      onRequest: (method, params) => this.#answer(manifest, method, params),
      onNotification: (method, params) => this.#notified(manifest, method, params),
    });
  }

  // An extension's requests: only calls to extensions it declared in events.calls.
  async #answer(caller: Manifest, method: string, params: unknown): Promise<unknown> {
    if (method !== "callExtension") throw new SymphonyError("NotFound", `Cannot handle ${method}`);
    const { target, method: targetMethod, input } = (params ?? {}) as Record<string, unknown>;
    if (typeof target !== "string" || typeof targetMethod !== "string") {
      throw new SymphonyError("InvalidInput", "Cannot call: target and method must be strings");
    }
    if (!caller.events.calls.includes(target)) {
      throw new SymphonyError(
        "PermissionDenied",
        `Cannot call ${target}: ${caller.id} does not list it in events.calls`,
      );
    }
    return await this.call(target, targetMethod, input);
  }

  #notified(publisher: Manifest, method: string, params: unknown): void {
    if (method !== "publish") return;
    const { topic, payload } = (params ?? {}) as Record<string, unknown>;
    if (typeof topic !== "string" || !publisher.events.publish.includes(topic)) {
      this.#options.onLog?.({
        id: publisher.id,
        level: "warn",
        message: `dropped an event on ${JSON.stringify(topic)}: not listed in events.publish`,
      });
      return;
    }
    this.#options.onEvent?.({ from: publisher.id, topic, payload });
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
