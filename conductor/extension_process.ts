/**
 * The Conductor's side of one extension process: the handshake, calls with
 * timeouts, cancellation and a limit on calls in flight, the extension's
 * requests and log lines, and what happens when the process misbehaves or
 * dies. The process is identified by the Conductor, never by what it says.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { SpawnCommand, SpawnedProcess, Spawner } from "../sandbox/mod.ts";
import {
  DEFAULT_MAX_FRAME_BYTES,
  FrameDecoder,
  FrameError,
  FrameWriter,
  type InitializeParams,
  type InitializeResult,
  messageKind,
  PROTOCOL_VERSION,
  type RpcError,
  type RpcRequest,
} from "../stage/mod.ts";
import { ERROR_CODES, type ErrorCode, SymphonyError } from "../symphony_error.ts";

/** A log line from an extension, tagged by the Conductor with the extension's id. */
export interface ExtensionLogLine {
  id: string;
  level: "debug" | "info" | "warn" | "error";
  message: string;
}

/** Options for {@linkcode ExtensionProcess.start}. */
export interface ExtensionProcessOptions {
  /** The extension's id, as the Conductor knows it. */
  id: string;
  /** The command, from `sandboxCommand`. */
  command: SpawnCommand;
  /** What `initialize` sends. */
  initialize: Omit<InitializeParams, "protocol" | "id">;
  /** Starts the process. */
  spawner: Spawner;
  /** Calls in flight at once; more wait their turn (`resources.max_concurrency`). */
  maxConcurrency: number;
  /** The largest frame, in bytes. Default: 16 MiB. */
  maxFrameBytes?: number;
  /** How long activation may take, in ms. Default: 10,000. */
  startTimeoutMs?: number;
  /** Where log lines go. */
  onLog?: (line: ExtensionLogLine) => void;
  /** Answers the extension's requests (`callExtension`); it throws SymphonyError to refuse. */
  onRequest?: (method: string, params: unknown) => Promise<unknown>;
  /** Told once, when the process can take no more calls, why (before it has exited). */
  onFail?: (failure: SymphonyError, process: ExtensionProcess) => void;
  /** Receives the extension's notifications other than logs (`publish`). */
  onNotification?: (method: string, params: unknown) => void;
  /** Log lines per second an extension may send before lines are dropped. Default: 200. */
  logLinesPerSecond?: number;
  /** Bytes per second the process may write to stderr before it is stopped. Default: 1 MiB. */
  stderrBytesPerSecond?: number;
  /** How long a process asked to stop (SIGTERM) has before SIGKILL, in ms. Default: 2,000. */
  killGraceMs?: number;
  /** How long an idle process has to answer a ping before it counts as hung, in ms. Default: 10,000. */
  pingTimeoutMs?: number;
}

/** Options for one call. */
export interface CallOptions {
  /** The call fails with `Timeout` and the process is stopped after this many ms. */
  timeoutMs: number;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** The calling extension, as the Conductor knows it. */
  caller?: string;
}

interface Pending {
  method: string;
  deadline: number;
  timeoutMs: number;
  resolve(value: unknown): void;
  reject(error: SymphonyError): void;
  /** Whether it holds one of the max_concurrency slots, given back when it settles. */
  holdsSlot: boolean;
  signal?: AbortSignal;
  onAbort?: () => void;
}

const STOP_GRACE_MS = 2_000;
const PING = "$/ping";
const SNAPSHOT = "$/snapshot";

// What V8 prints on stderr when the heap passes --max-old-space-size.
const HEAP_EXHAUSTED =
  /Reached heap limit|JavaScript heap out of memory|Fatal JavaScript out of memory/;

/** Requests an extension may have waiting for the host's answer at once. */
const MAX_EXTENSION_REQUESTS = 64;

/** What the host reads of a process that floods it with output, bytes a second. */
const FLOOD_BYTES_PER_SECOND = 2 * 1024 * 1024;
const FLOOD_BURST_BYTES = 8 * 1024 * 1024;

/** Bytes the host may hold for an extension that does not read its input (64 MiB). */
const MAX_BACKLOG_BYTES = 64 * 1024 * 1024;

/**
 * One running extension process and the bus to it.
 *
 * @example Start the stage runtime on a small entry module and call it
 * ```ts
 * import { ExtensionProcess } from "./extension_process.ts";
 * import { denoSpawner } from "../sandbox/mod.ts";
 * import { RUNTIME_MODULE } from "../stage/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/main.ts`, "export function activate() { return { hi: () => 'hello' }; }");
 * const process = await ExtensionProcess.start({
 *   id: "acme.hi",
 *   command: { program: Deno.execPath(), args: ["run", `--allow-read=${dir}`, RUNTIME_MODULE], env: {}, cwd: dir },
 *   spawner: denoSpawner,
 *   maxConcurrency: 1,
 *   initialize: { entry: `${dir}/main.ts`, settings: {}, context: { workspace: dir, dataDir: dir, tmpDir: dir } },
 * });
 * assert.deepEqual(process.methods, ["hi"]);
 * assert.equal(await process.call("hi", null, { timeoutMs: 5_000 }), "hello");
 * await process.stop();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ExtensionProcess {
  /** The extension's id, as the Conductor knows it. */
  readonly id: string;
  /** The methods `activate` returned. */
  methods: readonly string[] = [];
  readonly #options: ExtensionProcessOptions;
  readonly #child: SpawnedProcess;
  readonly #writer: FrameWriter;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pending = new Map<number, Pending>();
  readonly #waiting: (() => void)[] = [];
  readonly #drained: (() => void)[] = [];
  readonly #exited: Promise<void>;
  #nextId = 1;
  #inFlight = 0;
  #failure: SymphonyError | undefined;
  #stopping = false;
  #logTokens: number;
  #logRefilled = Date.now();
  #dropped = 0;
  #droppedReported = 0;
  #floodBudget = FLOOD_BURST_BYTES;
  #floodRefilled = Date.now();
  #answering = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDeadline = Infinity;
  #lastHeard = Date.now();
  #pinging = false;
  #suspended = false;
  #heapExhausted = false;
  #stderrDone: Promise<void>;

  private constructor(options: ExtensionProcessOptions) {
    this.id = options.id;
    this.#options = options;
    this.#logTokens = options.logLinesPerSecond ?? 200;
    this.#child = options.spawner.spawn(options.command);
    this.#stdin = this.#child.stdin.getWriter();
    this.#writer = new FrameWriter(
      { write: (bytes) => this.#stdin.write(bytes) },
      { maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES },
    );
    void this.#readFrames();
    this.#stderrDone = this.#readStderr();
    this.#exited = this.#child.status.then(async (status) => {
      // What it said last on stderr tells a heap exhaustion from a crash.
      await Promise.race([this.#stderrDone, new Promise((resolve) => setTimeout(resolve, 200))]);
      const how = status.signal !== null ? `signal ${status.signal}` : `exit code ${status.code}`;
      this.#fail(
        this.#heapExhausted
          ? new SymphonyError(
            "ResourceExhausted",
            `Cannot finish the call: ${this.id} ran out of memory (its JavaScript heap reached memory_mb) and exited`,
          )
          : new SymphonyError("Crashed", `Cannot finish the call: ${this.id} exited (${how})`),
      );
    });
  }

  /** Resolves when the process has exited and everything in flight has failed. */
  get exited(): Promise<void> {
    return this.#exited;
  }

  /** Why the process can no longer take calls; undefined while it can. */
  get failure(): SymphonyError | undefined {
    return this.#failure;
  }

  /** Whether calls are in flight. */
  get busy(): boolean {
    return this.#inFlight > 0;
  }

  /** Whether the process is stopped with SIGSTOP. */
  get suspended(): boolean {
    return this.#suspended;
  }

  /** When the last message from the process arrived (ms since the epoch). */
  get lastHeard(): number {
    return this.#lastHeard;
  }

  /**
   * Starts the process and completes the handshake: `activate` has run and
   * returned its methods when this resolves.
   *
   * @param options The command, the handshake and the sinks.
   * @returns The ready process.
   * @throws {SymphonyError} `Crashed`, `ProtocolError`, `Timeout`, or the error `activate` threw.
   */
  static async start(options: ExtensionProcessOptions): Promise<ExtensionProcess> {
    const process = new ExtensionProcess(options);
    try {
      const params: InitializeParams = {
        protocol: PROTOCOL_VERSION,
        id: options.id,
        ...options.initialize,
      };
      const result = await process.#request("initialize", params, options.startTimeoutMs ?? 10_000);
      process.methods = process.#handshake(result);
      return process;
    } catch (error) {
      await process.kill();
      throw error;
    }
  }

  /** Whether the process can still take calls. */
  get alive(): boolean {
    return this.#failure === undefined;
  }

  /** The process id, for resource sampling. */
  get pid(): number {
    return this.#child.pid;
  }

  /**
   * Calls a method. Waits for a free slot when `max_concurrency` calls are in flight.
   *
   * @param method The method name.
   * @param input A JSON value.
   * @param options The timeout and an optional cancellation signal.
   * @returns The method's result.
   * @throws {SymphonyError} With the contract code of the failure.
   */
  call(method: string, input: unknown, options: CallOptions): Promise<unknown> {
    // The deadline runs from now: time spent waiting for a slot counts.
    const deadline = Date.now() + options.timeoutMs;
    const send = () =>
      this.#request(
        "call",
        options.caller === undefined
          ? { method, input }
          : { method, input, caller: options.caller },
        options.timeoutMs,
        options.signal,
        deadline,
        true,
      );
    if (this.#inFlight < this.#options.maxConcurrency && !this.#suspended) {
      this.#inFlight++;
      return send();
    }
    return this.#slot(options.timeoutMs, options.signal).then(send);
  }

  /**
   * Stops the process politely: `deactivate` runs, then the process exits; it
   * is killed if it takes longer than a short grace period.
   */
  async stop(): Promise<void> {
    if (this.#failure !== undefined) return await this.#exited;
    this.#stopping = true;
    if (this.#suspended) this.resume();
    try {
      await this.#request("shutdown", null, STOP_GRACE_MS);
    } catch {
      // Killed below either way.
    }
    await this.kill();
  }

  /**
   * Stops the process for a reason: everything in flight fails with `reason`,
   * then SIGTERM, then SIGKILL after the grace period whatever handlers the
   * extension installed.
   *
   * @param reason The error calls in flight and later calls get.
   */
  async terminate(reason: SymphonyError): Promise<void> {
    this.#fail(reason);
    this.#signal("SIGCONT");
    this.#signal("SIGTERM");
    const grace = setTimeout(() => this.#signal("SIGKILL"), this.#options.killGraceMs ?? 2_000);
    try {
      await this.#exited;
    } finally {
      clearTimeout(grace);
    }
  }

  /**
   * Checks an idle process's health: after `intervalMs` without a message it
   * is pinged, and one that does not answer within `pingTimeoutMs` is stopped
   * as hung. A busy or suspended process is never pinged.
   *
   * @param intervalMs The silence after which an idle process is pinged.
   * @param now The time, for tests.
   */
  checkHealth(intervalMs: number, now: number = Date.now()): void {
    if (
      this.#failure !== undefined || this.#pinging || this.#suspended || this.#inFlight > 0 ||
      now - this.#lastHeard < intervalMs
    ) return;
    this.#pinging = true;
    this.#request(PING, null, this.#options.pingTimeoutMs ?? 10_000).then(
      () => this.#pinging = false,
      () => this.#pinging = false,
    );
  }

  /**
   * Suspends the process: new calls wait, the calls in flight finish, then the
   * process is stopped with SIGSTOP and holds no CPU until {@linkcode resume}.
   */
  async suspend(): Promise<void> {
    if (this.#suspended || this.#failure !== undefined) return;
    this.#suspended = true;
    while (this.#inFlight > 0 && this.#failure === undefined && this.#suspended) {
      await new Promise<void>((resolve) => this.#drained.push(resolve));
    }
    if (this.#suspended) this.#signal("SIGSTOP");
  }

  /** Resumes a suspended process (SIGCONT) and lets the calls that waited go. */
  resume(): void {
    if (!this.#suspended) return;
    this.#suspended = false;
    this.#signal("SIGCONT");
    this.#lastHeard = Date.now();
    while (this.#inFlight < this.#options.maxConcurrency && this.#waiting.length > 0) {
      this.#waiting.shift()?.();
    }
  }

  /**
   * Sends the process a notification (an event, a notice), if it is alive.
   *
   * @param method The notification.
   * @param params Its JSON params.
   */
  notify(method: string, params: unknown): void {
    if (this.#failure === undefined) this.#send({ jsonrpc: "2.0", method, params }, () => {});
  }

  /**
   * Asks the extension for the state to carry across a hot reload.
   *
   * @param timeoutMs How long `snapshot()` may take.
   * @returns What its `snapshot()` returned, or null without one.
   */
  snapshot(timeoutMs: number): Promise<unknown> {
    return this.#request(SNAPSHOT, null, timeoutMs);
  }

  #signal(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch {
      // It has already exited.
    }
  }

  /** Kills the process at once and waits for it to exit. */
  async kill(): Promise<void> {
    this.#stopping = true;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // It has already exited.
    }
    await this.#exited;
  }

  #handshake(result: unknown): string[] {
    const answer = result as Partial<InitializeResult> | null;
    if (answer?.protocol !== PROTOCOL_VERSION || !Array.isArray(answer.methods)) {
      throw this.#protocolError("the answer to initialize is not a valid handshake");
    }
    // The id the process claims is ignored: the Conductor knows which process this is.
    return answer.methods.filter((m): m is string => typeof m === "string");
  }

  // Waits for a free slot. A waiter that gives up (cancelled, or out of time
  // while queued) leaves the queue, so that it never swallows a wake-up.
  #slot(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const at = this.#waiting.indexOf(wake);
        if (at !== -1) this.#waiting.splice(at, 1);
      };
      const wake = () => {
        cleanup();
        this.#inFlight++;
        resolve();
      };
      const onAbort = () => (cleanup(), reject(cancelled()));
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new SymphonyError(
            "Timeout",
            this.#suspended
              ? `Cannot call ${this.id}: it stayed suspended for ${timeoutMs} ms`
              : `Cannot call ${this.id}: no free slot within ${timeoutMs} ms (max_concurrency ${this.#options.maxConcurrency})`,
          ),
        );
      }, timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(wake);
    });
  }

  // Sends a request; `holdsSlot` says the caller took a max_concurrency slot,
  // which is given back when the request settles, whichever way.
  #request(
    method: string,
    params: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
    deadline = Date.now() + timeoutMs,
    holdsSlot = false,
  ): Promise<unknown> {
    if (this.#failure !== undefined || signal?.aborted) {
      if (holdsSlot) this.#release();
      return Promise.reject(this.#failure ?? cancelled());
    }
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const pending: Pending = { method, deadline, timeoutMs, resolve, reject, holdsSlot };
    if (signal !== undefined) {
      pending.signal = signal;
      pending.onAbort = () => {
        if (this.#settle(id) === undefined) return;
        this.#send({ jsonrpc: "2.0", method: "$/cancel", params: { id } }, () => {});
        reject(cancelled());
      };
      signal.addEventListener("abort", pending.onAbort, { once: true });
    }
    this.#pending.set(id, pending);
    this.#armTimer(deadline);
    this.#send({ jsonrpc: "2.0", id, method, params }, (error) => {
      // Too large to send: the caller's input, not the process, is at fault.
      this.#settle(id)?.reject(new SymphonyError("InvalidInput", error.message, { cause: error }));
    });
    return promise;
  }

  // Forgets a pending request and gives back what it held; undefined if it was already settled.
  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    if (pending.onAbort !== undefined) {
      pending.signal?.removeEventListener("abort", pending.onAbort);
    }
    if (pending.holdsSlot) this.#release();
    return pending;
  }

  #release(): void {
    this.#inFlight--;
    if (!this.#suspended) this.#waiting.shift()?.();
    else if (this.#inFlight === 0) { for (const drained of this.#drained.splice(0)) drained(); }
  }

  // One timer for all calls, armed for the earliest deadline: a timer per call
  // would cost more than the call itself when thousands are in flight.
  #armTimer(deadline: number): void {
    if (this.#timer !== undefined && this.#timerDeadline <= deadline) return;
    clearTimeout(this.#timer);
    this.#timerDeadline = deadline;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, deadline - Date.now()));
  }

  #expire(): void {
    this.#timer = undefined;
    const now = Date.now();
    let next = Infinity;
    for (const [id, pending] of [...this.#pending]) {
      if (pending.deadline > now) {
        next = Math.min(next, pending.deadline);
        continue;
      }
      this.#settle(id);
      if (pending.method === SNAPSHOT) {
        // A slow snapshot() costs the reload its state, not the process its life.
        pending.reject(
          new SymphonyError(
            "Timeout",
            `Cannot snapshot ${this.id}: no answer within ${pending.timeoutMs} ms`,
          ),
        );
        continue;
      }
      if (pending.method === PING) {
        void this.terminate(
          new SymphonyError(
            "Crashed",
            `Cannot call ${this.id}: it hung (no answer to a ping within ${pending.timeoutMs} ms) and was stopped`,
          ),
        );
        return;
      }
      pending.reject(
        new SymphonyError(
          "Timeout",
          `Cannot finish ${pending.method} on ${this.id}: no answer within ${pending.timeoutMs} ms`,
        ),
      );
      // A call that overran may be stuck in a loop: the process is stopped, and
      // marked so at once, so that the next call starts a new one.
      void this.terminate(
        new SymphonyError(
          "Timeout",
          `Cannot call ${this.id}: it was stopped after ${pending.method} ran past ${pending.timeoutMs} ms`,
        ),
      );
      return;
    }
    if (next !== Infinity) this.#armTimer(next);
  }

  #send(message: unknown, onUnsendable: (error: Error) => void): void {
    try {
      this.#writer.send(message);
    } catch (error) {
      onUnsendable(error as Error);
      return;
    }
    if (this.#writer.backlog > MAX_BACKLOG_BYTES) {
      this.#fail(
        this.#protocolError(`it stopped reading its input (${this.#writer.backlog} bytes waiting)`),
      );
      void this.kill();
    }
  }

  async #readFrames(): Promise<void> {
    const decoder = new FrameDecoder({
      maxFrameBytes: this.#options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    });
    try {
      for await (const chunk of this.#child.stdout) {
        // Every message is a heartbeat.
        this.#lastHeard = Date.now();
        for (const message of decoder.push(chunk)) this.#onMessage(message);
        await this.#throttle(chunk.length);
        // Read again only after this turn: the requests that the answers set
        // off are written first. A write posted behind a pending read of the
        // pipe waits ~30 us longer, which doubled a sequential round trip.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      const reason = error instanceof FrameError || error instanceof SymphonyError
        ? error.message
        : String(error);
      this.#fail(this.#protocolError(reason));
      void this.kill();
    }
  }

  #onMessage(message: unknown): void {
    const kind = messageKind(message);
    const fields = message as Record<string, unknown>;
    if (kind === "response") {
      const pending = this.#settle(fields["id"] as number);
      // An answer nobody asked for is unsolicited: it costs a token like a log line.
      if (pending === undefined) return void this.#takeToken();
      const error = fields["error"] as RpcError | undefined;
      if (error === undefined) pending.resolve(fields["result"]);
      else pending.reject(new SymphonyError(contractCode(error.code), error.message));
    } else if (kind === "notification") {
      const params = fields["params"];
      if (fields["method"] === "log") this.#log(params);
      // Events have the event bus's own per-publisher limit, which tells the publisher.
      else if (fields["method"] === "publish" || this.#takeToken()) {
        this.#options.onNotification?.(fields["method"] as string, params);
      }
    } else if (kind === "request") {
      if (this.#answering >= MAX_EXTENSION_REQUESTS) {
        throw this.#protocolError(
          `it sent more than ${MAX_EXTENSION_REQUESTS} requests without waiting for answers`,
        );
      }
      void this.#answer(message as RpcRequest);
    } else {
      throw this.#protocolError("a frame is not a JSON-RPC message");
    }
  }

  async #answer(request: RpcRequest): Promise<void> {
    this.#answering++;
    let answer: unknown;
    try {
      const handler = this.#options.onRequest;
      if (handler === undefined) {
        throw new SymphonyError("NotFound", `Cannot handle ${request.method}`);
      }
      answer = {
        jsonrpc: "2.0",
        id: request.id,
        result: (await handler(request.method, request.params)) ?? null,
      };
    } catch (error) {
      const failure = error instanceof SymphonyError
        ? error
        : new SymphonyError("ExtensionError", String(error));
      answer = {
        jsonrpc: "2.0",
        id: request.id,
        error: { code: failure.code, message: failure.message },
      };
    } finally {
      this.#answering--;
    }
    if (this.#failure !== undefined) return;
    this.#send(answer, (error) =>
      this.#send({
        jsonrpc: "2.0",
        id: request.id,
        error: { code: "InvalidOutput", message: `Cannot send the answer: ${error.message}` },
      }, () => {}));
  }

  #log(params: unknown): void {
    const { level, message } = (params ?? {}) as { level?: unknown; message?: unknown };
    const levels = ["debug", "info", "warn", "error"] as const;
    const known = levels.find((l) => l === level) ?? "info";
    this.#emitLog(known, typeof message === "string" ? message : String(message));
  }

  // Token bucket shared by log lines, notifications and unsolicited answers:
  // a flood is dropped and counted, never buffered. The count is reported
  // with the next line let through, at most once a second.
  #takeToken(): boolean {
    const rate = this.#options.logLinesPerSecond ?? 200;
    const now = Date.now();
    this.#logTokens = Math.min(rate, this.#logTokens + ((now - this.#logRefilled) / 1000) * rate);
    this.#logRefilled = now;
    if (this.#logTokens < 1) {
      this.#dropped++;
      return false;
    }
    this.#logTokens--;
    if (this.#dropped > 0 && now - this.#droppedReported >= 1_000) {
      const dropped = this.#dropped;
      this.#dropped = 0;
      this.#droppedReported = now;
      this.#options.onLog?.({
        id: this.id,
        level: "warn",
        message: `${dropped} log lines or events dropped: too many`,
      });
    }
    return true;
  }

  // While lines are being dropped, what the process writes is read at most
  // FLOOD_BYTES_PER_SECOND (after a burst): its writes block, and a flood costs
  // the host a bounded share of a core instead of parsing all it can send.
  async #throttle(bytes: number): Promise<void> {
    const now = Date.now();
    this.#floodBudget = Math.min(
      FLOOD_BURST_BYTES,
      this.#floodBudget + ((now - this.#floodRefilled) / 1000) * FLOOD_BYTES_PER_SECOND,
    );
    this.#floodRefilled = now;
    if (this.#logTokens >= 1) return;
    this.#floodBudget -= bytes;
    if (this.#floodBudget >= 0 || this.#failure !== undefined) return;
    const wait = Math.min(1_000, (-this.#floodBudget / FLOOD_BYTES_PER_SECOND) * 1000);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }

  #emitLog(level: ExtensionLogLine["level"], message: string): void {
    if (this.#takeToken()) {
      this.#options.onLog?.({ id: this.id, level, message: message.slice(0, 8 * 1024) });
    }
  }

  // Deno itself writes here (uncaught errors, V8's fatal errors); the
  // extension's console goes over the bus. A flood stops the process.
  async #readStderr(): Promise<void> {
    const rate = this.#options.stderrBytesPerSecond ?? 1024 * 1024;
    let budget = rate * 4;
    let refilled = Date.now();
    let partial = "";
    try {
      for await (const text of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
        const now = Date.now();
        budget = Math.min(rate * 4, budget + ((now - refilled) / 1000) * rate) - text.length;
        refilled = now;
        if (budget < 0 && this.#failure === undefined) {
          void this.terminate(
            new SymphonyError(
              "ResourceExhausted",
              `Cannot call ${this.id}: it flooded stderr (over ${rate} bytes a second) and was stopped`,
            ),
          );
        }
        const lines = (partial + text).split("\n");
        partial = (lines.pop() ?? "").slice(-8 * 1024);
        for (const line of lines) {
          if (HEAP_EXHAUSTED.test(line)) this.#heapExhausted = true;
          if (line !== "") this.#emitLog("error", line);
        }
      }
    } catch {
      // The process is gone.
    }
    if (HEAP_EXHAUSTED.test(partial)) this.#heapExhausted = true;
    if (partial !== "") this.#emitLog("error", partial);
  }

  #protocolError(reason: string): SymphonyError {
    return new SymphonyError(
      "ProtocolError",
      `Cannot talk to ${this.id}: ${reason}; it was stopped`,
    );
  }

  #fail(error: SymphonyError): void {
    if (this.#failure !== undefined) return;
    this.#failure = this.#stopping && error.code === "Crashed"
      ? new SymphonyError("Crashed", `Cannot call ${this.id}: it was stopped`)
      : error;
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(this.#failure);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const wake of this.#waiting.splice(0)) wake();
    for (const drained of this.#drained.splice(0)) drained();
    void this.#stdin.close().catch(() => {});
    this.#options.onFail?.(this.#failure, this);
  }
}

function contractCode(code: string): ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code) ? code as ErrorCode : "ExtensionError";
}

function cancelled(): SymphonyError {
  return new SymphonyError("Timeout", "Cannot finish the call: it was cancelled");
}
