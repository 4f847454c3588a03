/**
 * The host's record of installed extensions, in one JSON file written
 * atomically (a temporary file, then a rename), so a crash leaves either the
 * old state or the new one. The persistence issue moves this into SQLite.
 *
 * @module
 */
import { dirname } from "node:path";
import type { Manifest } from "../manifest/mod.ts";
import type { Grants } from "../sandbox/mod.ts";
import type { HistoryEntry } from "./lifecycle.ts";
import { SymphonyError } from "../symphony_error.ts";

/** One installed extension. */
export interface InstalledExtension {
  id: string;
  version: string;
  /** The validated manifest, as installed. */
  manifest: Manifest;
  /** When it was installed (ISO 8601). */
  installedAt: string;
  /** What was granted; absent kinds grant all requested. */
  grants: Grants;
  /** The current settings: the manifest's defaults until changed. */
  settings: Record<string, unknown>;
  /** A development install: the directory it runs from, watched for hot reload. */
  devDir?: string;
  /** Set while it is disabled (by the circuit breaker or an admin): when and why. */
  disabled?: { at: string; reason: string };
  /** Whether an admin suspended it. */
  suspended?: boolean;
  /** Crashes, limit kills, disables and enables, oldest first (the last 100). */
  history?: HistoryEntry[];
}

/** Everything the host records. */
export interface HostState {
  version: 1;
  extensions: Record<string, InstalledExtension>;
}

/**
 * Reads and updates the state file.
 *
 * @example
 * ```ts
 * import { StateStore } from "./state_store.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const store = new StateStore(`${dir}/host/state.json`);
 * assert.deepEqual(await store.read(), { version: 1, extensions: {} });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class StateStore {
  readonly #file: string;
  #queue: Promise<unknown> = Promise.resolve();

  /** @param file The state file's path. */
  constructor(file: string) {
    this.#file = file;
  }

  /**
   * Reads the state; a missing file is an empty state.
   *
   * @returns The state.
   * @throws {SymphonyError} `Internal` when the file is not a state file.
   */
  async read(): Promise<HostState> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.#file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return { version: 1, extensions: {} };
      throw error;
    }
    try {
      const state = JSON.parse(text) as HostState;
      if (state.version !== 1 || typeof state.extensions !== "object") {
        throw new TypeError("unknown shape");
      }
      return state;
    } catch (cause) {
      throw new SymphonyError(
        "Internal",
        `Cannot read the host state ${this.#file}: it is damaged`,
        { cause },
      );
    }
  }

  /**
   * Changes the state: updates run one at a time, and each is written atomically.
   *
   * @param change Returns the new state from the current one.
   * @returns The new state.
   */
  update(change: (state: HostState) => HostState | Promise<HostState>): Promise<HostState> {
    const run = this.#queue.then(async () => {
      const next = await change(await this.read());
      await Deno.mkdir(dirname(this.#file), { recursive: true });
      const temp = `${this.#file}.${crypto.randomUUID()}.tmp`;
      await Deno.writeTextFile(temp, JSON.stringify(next, null, 2));
      await Deno.rename(temp, this.#file);
      return next;
    });
    this.#queue = run.catch(() => {});
    return run;
  }
}
