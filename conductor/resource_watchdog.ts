/**
 * The resource watchdog: one timer that samples the resident memory and CPU
 * time of every watched process from `/proc/<pid>/stat`, and hands each
 * sample to whoever watches that process. Deno lets only a fully privileged
 * program read `/proc/<pid>`, and the host is not one: every tick runs one
 * `tail` of all the watched processes' stat files, a few milliseconds for 200.
 * Where `/proc` does not exist the watchdog says so and samples nothing.
 *
 * @module
 */

/** One reading of a process. */
export interface ProcessSample {
  /** When it was read (ms since the epoch). */
  at: number;
  /** Resident memory, in bytes. */
  rssBytes: number;
  /** CPU time used so far, user and system, in ms. */
  cpuMs: number;
}

/** Reads many processes at once; a process that is gone is left out. */
export type ProcessSampler = (pids: readonly number[]) => Promise<Map<number, ProcessSample>>;

/** Options for {@linkcode ResourceWatchdog}. */
export interface ResourceWatchdogOptions {
  /** Time between samples, in ms. Default: 1,000. */
  intervalMs?: number;
  /** Reads the processes. Default: {@linkcode sampleProcesses}. */
  sample?: ProcessSampler;
}

/**
 * Receives each tick's sample of one watched process, undefined when it could
 * not be read (the process is gone, or there is no `/proc`): the tick also
 * paces other periodic checks, such as health pings.
 */
export type SampleListener = (
  sample: ProcessSample | undefined,
  previous: ProcessSample | undefined,
) => void;

// Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every architecture.
const TICK_MS = 10;
// Linux x86-64 and arm64 as built by Debian use 4 KiB pages.
const PAGE_BYTES = 4096;

/**
 * Parses one line of `/proc/<pid>/stat`.
 *
 * @param line The line.
 * @param at When it was read.
 * @returns The pid and the sample, or undefined for a line that is not a stat line.
 *
 * @example
 * ```ts
 * import { parseProcStat } from "./resource_watchdog.ts";
 * import assert from "node:assert/strict";
 *
 * const line = "42 (deno (x)) S 1 42 42 0 -1 4194560 9 0 0 0 150 25 0 0 20 0 9 0 7 1000 2560 1 0";
 * assert.deepEqual(parseProcStat(line, 5), { pid: 42, sample: { at: 5, rssBytes: 2560 * 4096, cpuMs: 1750 } });
 * ```
 */
export function parseProcStat(
  line: string,
  at: number,
): { pid: number; sample: ProcessSample } | undefined {
  // The command name may hold spaces and parentheses: fields count from the last ")".
  const close = line.lastIndexOf(")");
  if (close === -1) return undefined;
  const pid = Number.parseInt(line, 10);
  const fields = line.slice(close + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  if (!Number.isInteger(pid) || !Number.isFinite(utime + stime + rssPages)) return undefined;
  return { pid, sample: { at, rssBytes: rssPages * PAGE_BYTES, cpuMs: (utime + stime) * TICK_MS } };
}

/**
 * Reads processes' resident memory and CPU time with one `tail` of their
 * `/proc/<pid>/stat` files.
 *
 * @param pids The processes.
 * @returns A sample per process still running; empty where there is no `/proc`.
 *
 * @example
 * ```ts
 * import { sampleProcesses } from "./resource_watchdog.ts";
 * import assert from "node:assert/strict";
 *
 * const samples = await sampleProcesses([Deno.pid, 2 ** 30]);
 * if (Deno.build.os === "linux") assert.ok(samples.get(Deno.pid)!.rssBytes > 1024 * 1024);
 * assert.equal(samples.has(2 ** 30), false);
 * ```
 */
export async function sampleProcesses(
  pids: readonly number[],
): Promise<Map<number, ProcessSample>> {
  const samples = new Map<number, ProcessSample>();
  if (pids.length === 0 || Deno.build.os !== "linux") return samples;
  let stdout: Uint8Array;
  try {
    // tail buffers its output: one pipe read for all, where cat writes per file.
    ({ stdout } = await new Deno.Command("tail", {
      args: ["-q", "-n", "1", ...pids.map((pid) => `/proc/${pid}/stat`)],
      stdin: "null",
      stderr: "null",
    }).output());
  } catch {
    return samples;
  }
  const at = Date.now();
  for (const line of new TextDecoder().decode(stdout).split("\n")) {
    const parsed = parseProcStat(line, at);
    if (parsed !== undefined) samples.set(parsed.pid, parsed.sample);
  }
  return samples;
}

/** @returns Whether this host can sample processes (Linux with `/proc` and `tail`). */
export async function canSampleProcesses(): Promise<boolean> {
  return (await sampleProcesses([Deno.pid])).has(Deno.pid);
}

/**
 * Samples watched processes on one timer. The timer runs only while something
 * is watched, and never keeps the host alive by itself.
 *
 * @example
 * ```ts
 * import { ResourceWatchdog } from "./resource_watchdog.ts";
 * import assert from "node:assert/strict";
 *
 * using watchdog = new ResourceWatchdog({
 *   sample: (pids) =>
 *     Promise.resolve(new Map(pids.map((pid) => [pid, { at: 0, rssBytes: pid * 1024, cpuMs: 0 }]))),
 * });
 * const seen: number[] = [];
 * const unwatch = watchdog.watch(42, (sample) => seen.push(sample?.rssBytes ?? 0));
 * await watchdog.tick(); // the timer does this every intervalMs
 * unwatch();
 * await watchdog.tick();
 * assert.deepEqual(seen, [42 * 1024]);
 * ```
 */
export class ResourceWatchdog implements Disposable {
  readonly #intervalMs: number;
  readonly #sample: ProcessSampler;
  #ticking = false;
  readonly #watched = new Map<number, { listener: SampleListener; last?: ProcessSample }>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** @param options The interval and the sampler. */
  constructor(options: ResourceWatchdogOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#sample = options.sample ?? sampleProcesses;
  }

  /** The time between samples, in ms. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** The number of processes watched. */
  get size(): number {
    return this.#watched.size;
  }

  /**
   * Watches a process until the returned function is called.
   *
   * @param pid The process.
   * @param listener Gets every sample, with the one before it.
   * @returns Stops watching.
   */
  watch(pid: number, listener: SampleListener): () => void {
    const entry = { listener };
    this.#watched.set(pid, entry);
    if (this.#timer === undefined) {
      const timer = setInterval(() => void this.tick(), this.#intervalMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
    return () => {
      if (this.#watched.get(pid) !== entry) return;
      this.#watched.delete(pid);
      if (this.#watched.size === 0) this.#stopTimer();
    };
  }

  /** Samples every watched process once; the timer calls it, skipping a tick while one runs. */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const samples = await this.#sample([...this.#watched.keys()]);
      for (const [pid, entry] of this.#watched) {
        const sample = samples.get(pid);
        const previous = entry.last;
        if (sample !== undefined) entry.last = sample;
        try {
          entry.listener(sample, previous);
        } catch {
          // One listener's failure must not stop the others being watched.
        }
      }
    } finally {
      this.#ticking = false;
    }
  }

  /** Stops the timer and forgets every process. */
  [Symbol.dispose](): void {
    this.#watched.clear();
    this.#stopTimer();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
