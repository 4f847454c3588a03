/**
 * What extensions may ask of the Pit, over the IPC bus (`ctx.artifacts`,
 * `ctx.leases`, `ctx.workflows`), and what their trust tier lets them have.
 * The caller is the one the Conductor knows the process to be: its
 * namespace, its leases and its declared resources are its own, never what a
 * request claims.
 *
 * | request                          | tier       |
 * | -------------------------------- | ---------- |
 * | `pit.artifacts.*` (own namespace, and what is shared with it) | community |
 * | `pit.leases.*` on resources the manifest declares (`resources.leases`) | trusted |
 * | `pit.workflows.progress`         | trusted    |
 * | leases on any resource, `pit.workflows.create`/`step`, reading any namespace | enterprise |
 *
 * Artifacts travel in chunks (base64 in JSON frames, at most 1 MiB each): an
 * upload is streamed into the store as its chunks arrive, and a read returns
 * one range, so neither side holds a large artifact whole.
 *
 * @module
 */
import { z } from "zod";
import { formatZodIssues } from "../format_zod_issues.ts";
import type { Manifest } from "../manifest/mod.ts";
import type { ArtifactVersion, Lease } from "../pit/mod.ts";
import { mayUsePit, type PitCapability, type TrustTier } from "../sandbox/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { HostPit } from "./host_pit.ts";

/** The largest chunk of an artifact in one request or answer, in bytes. */
export const PIT_CHUNK_BYTES = 1024 * 1024;
/** Uploads one extension may have open at once. */
export const MAX_OPEN_UPLOADS = 4;

/** The most bytes one upload may hold. */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
/** An upload that receives no chunk for this long is aborted, in ms. */
export const UPLOAD_IDLE_MS = 60_000;

/** Who asks: the extension as the Conductor knows it, and the process it asks from. */
export interface PitCaller {
  /** Its installed manifest: its id and the resources it declares. */
  manifest: Manifest;
  /** Its trust tier, from the installed record. */
  trust: TrustTier;
  /** The asking process's session, from {@linkcode PitRequests.open}. */
  session: PitSession;
}

interface Upload {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  done: Promise<ArtifactVersion>;
  bytes: number;
  idle: ReturnType<typeof setTimeout> | undefined;
}

/**
 * What one extension process holds in the Pit: its open uploads and its
 * leases. Closed when the process ends, which aborts the uploads, releases
 * the leases, and refuses whatever it asked for that is still on its way.
 */
export class PitSession {
  /** The extension. */
  readonly id: string;
  readonly #controller = new AbortController();
  /** @internal Open uploads, by id. */
  readonly uploads = new Map<number, Upload>();
  /** @internal Leases held, by id. */
  readonly leases = new Map<number, Lease>();

  /**
   * Opens a session.
   *
   * @param id The extension.
   */
  constructor(id: string) {
    this.id = id;
  }

  /** Whether the process has ended. */
  get closed(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Aborted when the process ends. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** @internal Ends the session. */
  close(): void {
    this.#controller.abort(
      new SymphonyError("Crashed", `Cannot answer ${this.id}: its process has ended`),
    );
  }
}

const name = z.string().min(1).max(256);
const putSchema = z.strictObject({
  name,
  mediaType: z.string().max(256).optional(),
  tags: z.array(z.string().max(64)).max(32).optional(),
  quality: z.number().min(0).max(1).optional(),
});
const uploadSchema = z.strictObject({ upload: z.int().positive() });
// Base64 of at most one chunk: checked before anything is decoded.
const chunkSchema = z.strictObject({
  upload: z.int().positive(),
  data: z.string().max(Math.ceil(PIT_CHUNK_BYTES / 3) * 4),
});
const getSchema = z.strictObject({
  name,
  version: z.int().positive().optional(),
  owner: z.string().max(64).optional(),
});
const readSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  offset: z.int().nonnegative().optional(),
  length: z.int().positive().max(PIT_CHUNK_BYTES),
  owner: z.string().max(64).optional(),
});
const shareSchema = z.strictObject({ name, with: z.string().min(1).max(64) });
const deleteSchema = z.strictObject({ name, version: z.int().positive() });
const searchSchema = z.strictObject({
  namePrefix: z.string().max(256).optional(),
  tag: z.string().max(64).optional(),
  producer: z.string().max(64).optional(),
  since: z.number().optional(),
  until: z.number().optional(),
  limit: z.int().positive().max(1000).optional(),
});
const acquireSchema = z.strictObject({
  resources: z.array(z.strictObject({
    name: z.string().min(1).max(256),
    mode: z.enum(["read", "write"]).optional(),
    units: z.int().positive().optional(),
  })).min(1).max(16),
  priority: z.int().min(-100).max(100).optional(),
  ttlMs: z.int().positive().max(86_400_000).optional(),
  /** How long to wait for the resources, in ms; 0 (default) fails at once if they are taken. */
  waitMs: z.int().nonnegative().max(3_600_000).optional(),
});
const releaseSchema = z.strictObject({ id: z.int().positive() });
const progressSchema = z.strictObject({ id: z.string().min(1).max(256) });
const stepSchema = z.strictObject({
  id: z.string().min(1).max(256),
  step: z.enum(["start", "complete", "fail"]),
  node: z.string().min(1).max(256),
});

function parse<T>(schema: z.ZodType<T>, method: string, params: unknown): T {
  const result = schema.safeParse(params ?? {});
  if (result.success) return result.data;
  const issue = formatZodIssues(result.error.issues, { max: 1, root: "params" });
  throw new SymphonyError("InvalidInput", `Cannot ${method}: ${issue}`);
}

/**
 * Answers extensions' requests to the Pit, each checked against the caller's
 * trust tier, and each tied to the session of the process that asked.
 *
 * @example A community extension keeps artifacts, and may not lease
 * ```ts
 * import { PitRequests } from "./pit_requests.ts";
 * import { HostPit } from "./host_pit.ts";
 * import { homeLayout } from "./home_layout.ts";
 * import { openHostDatabase } from "./host_database.ts";
 * import { validateManifest } from "../manifest/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const home = await Deno.makeTempDir();
 * const layout = homeLayout(home);
 * using db = openHostDatabase(layout.databaseFile);
 * using pit = new HostPit({ layout, db: () => db, audit() {} });
 * const requests = new PitRequests(pit);
 * const result = validateManifest({
 *   manifest_version: 1, id: "acme.a", name: "A", version: "1.0.0", type: "operator",
 *   entry: "main.ts", operator: { functions: [{ name: "f" }] },
 * });
 * assert.ok(result.ok);
 * const caller = { manifest: result.manifest, trust: "community" as const, session: requests.open("acme.a") };
 * const { upload } = await requests.answer(caller, "pit.artifacts.put.begin", { name: "n" }) as { upload: number };
 * await requests.answer(caller, "pit.artifacts.put.chunk", { upload, data: btoa("hello") });
 * const put = await requests.answer(caller, "pit.artifacts.put.end", { upload }) as { size: number };
 * assert.equal(put.size, 5);
 * await assert.rejects(
 *   requests.answer(caller, "pit.leases.acquire", { resources: [{ name: "gpu" }] }),
 *   /community tier/,
 * );
 * requests.close(caller.session);
 * await Deno.remove(home, { recursive: true });
 * ```
 */
export class PitRequests {
  readonly #pit: HostPit;
  #nextUpload = 1;

  /**
   * Answers for one host's Pit.
   *
   * @param pit The host's Pit.
   */
  constructor(pit: HostPit) {
    this.#pit = pit;
  }

  /**
   * Opens the session of a new extension process.
   *
   * @param id The extension.
   * @returns Its session, to pass with each of its requests.
   */
  open(id: string): PitSession {
    return new PitSession(id);
  }

  /**
   * Closes the session of a process that ended: its uploads are aborted, its
   * leases released, and its requests still on their way refused.
   *
   * @param session The process's session.
   */
  close(session: PitSession): void {
    if (session.closed) return;
    session.close();
    for (const upload of session.uploads.values()) this.#drop(upload, `${session.id} stopped`);
    session.uploads.clear();
    for (const lease of session.leases.values()) this.#pit.arbitration.release(lease);
    session.leases.clear();
  }

  /**
   * Answers one request.
   *
   * @param caller The extension, as the Conductor knows it, and its process's session.
   * @param method The request, `pit.<module>.<operation>`.
   * @param params Its parameters.
   * @returns The answer, a JSON value.
   * @throws {SymphonyError} `PermissionDenied` beyond the caller's tier, `InvalidInput`,
   * `NotFound`, `ResourceExhausted` (resources taken, too many or too large uploads),
   * `Crashed` once the process has ended, or the Pit's own errors.
   */
  async answer(caller: PitCaller, method: string, params: unknown): Promise<unknown> {
    const { session } = caller;
    const id = caller.manifest.id;
    if (session.closed) throw session.signal.reason;
    const store =
      (): HostPit["artifacts"] => (this.#allow(caller, "artifacts", method), this.#pit.artifacts);
    switch (method) {
      case "pit.artifacts.put.begin": {
        const options = parse(putSchema, method, params);
        const artifacts = store();
        if (session.uploads.size >= MAX_OPEN_UPLOADS) {
          throw new SymphonyError(
            "ResourceExhausted",
            `Cannot ${method}: ${id} already has ${MAX_OPEN_UPLOADS} uploads open`,
          );
        }
        const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
        const done = artifacts.put(id, readable, { ...options, name: options.name, producer: id });
        done.catch(() => {});
        const upload = this.#nextUpload++;
        const open: Upload = { writer: writable.getWriter(), done, bytes: 0, idle: undefined };
        open.writer.closed.catch(() => {});
        this.#idle(session, upload, open);
        session.uploads.set(upload, open);
        return { upload };
      }
      case "pit.artifacts.put.chunk": {
        const { upload, data } = parse(chunkSchema, method, params);
        let bytes: Uint8Array;
        try {
          bytes = Uint8Array.fromBase64(data);
        } catch (error) {
          throw new SymphonyError("InvalidInput", `Cannot ${method}: data is not base64`, {
            cause: error,
          });
        }
        const open = this.#upload(session, upload, method);
        open.bytes += bytes.length;
        if (open.bytes > MAX_UPLOAD_BYTES) {
          this.#end(session, upload, "it grew past the upload limit");
          throw new SymphonyError(
            "ResourceExhausted",
            `Cannot ${method}: an artifact holds at most ${MAX_UPLOAD_BYTES} bytes`,
          );
        }
        this.#idle(session, upload, open);
        await this.#writing(method, () => open.writer.write(bytes));
        return null;
      }
      case "pit.artifacts.put.end": {
        const { upload } = parse(uploadSchema, method, params);
        const open = this.#upload(session, upload, method);
        session.uploads.delete(upload);
        clearTimeout(open.idle);
        await this.#writing(method, () => open.writer.close());
        return await open.done;
      }
      case "pit.artifacts.put.abort": {
        const { upload } = parse(uploadSchema, method, params);
        this.#upload(session, upload, method);
        this.#end(session, upload, "the extension aborted it");
        return null;
      }
      case "pit.artifacts.get": {
        const { name, version, owner } = parse(getSchema, method, params);
        const [namespace, options] = this.#reader(caller, owner, method);
        return hidden(() =>
          store().get(namespace, name, {
            ...options,
            ...(version === undefined ? {} : { version }),
          })
        );
      }
      case "pit.artifacts.versions": {
        const { name, owner } = parse(getSchema, method, params);
        const [namespace, options] = this.#reader(caller, owner, method);
        return hidden(() => store().versions(namespace, name, options));
      }
      case "pit.artifacts.search":
        return store().search(id, parse(searchSchema, method, params));
      case "pit.artifacts.read": {
        const { id: artifact, offset, length, owner } = parse(readSchema, method, params);
        const [namespace] = this.#reader(caller, owner, method);
        const bytes = await hidden(() =>
          store().read(namespace, artifact, { length, ...(offset === undefined ? {} : { offset }) })
        );
        return { data: bytes.toBase64() };
      }
      case "pit.artifacts.share": {
        const { name, with: to } = parse(shareSchema, method, params);
        store().share(id, name, { with: to });
        return null;
      }
      case "pit.artifacts.unshare": {
        const { name, with: to } = parse(shareSchema, method, params);
        return store().unshare(id, name, { with: to });
      }
      case "pit.artifacts.delete": {
        const { name, version } = parse(deleteSchema, method, params);
        store().delete(id, name, { version });
        return null;
      }
      case "pit.leases.acquire":
        return await this.#acquire(caller, method, parse(acquireSchema, method, params));
      case "pit.leases.release": {
        this.#allow(caller, "leases", method);
        const lease = session.leases.get(parse(releaseSchema, method, params).id);
        if (lease === undefined) return false;
        session.leases.delete(lease.id);
        return this.#pit.arbitration.release(lease);
      }
      case "pit.workflows.progress": {
        this.#allow(caller, "workflows.read", method);
        return this.#pit.workflow(parse(progressSchema, method, params).id).progress();
      }
      case "pit.workflows.create": {
        this.#allow(caller, "workflows.manage", method);
        const tracker = this.#pit.createWorkflow(
          (params ?? {}) as Parameters<HostPit["createWorkflow"]>[0],
        );
        return { id: tracker.id, ready: tracker.ready() };
      }
      case "pit.workflows.step": {
        this.#allow(caller, "workflows.manage", method);
        const { id: workflow, step, node } = parse(stepSchema, method, params);
        return this.#pit.stepWorkflow(workflow, step, node);
      }
      default:
        throw new SymphonyError("NotFound", `Cannot handle ${method}: the Pit has no such request`);
    }
  }

  #allow(caller: PitCaller, capability: PitCapability, method: string): void {
    if (mayUsePit(caller.trust, capability)) return;
    throw new SymphonyError(
      "PermissionDenied",
      `Cannot ${method}: ${caller.manifest.id} is in the ${caller.trust} tier, which may not use ${capability}`,
    );
  }

  #upload(session: PitSession, upload: number, method: string): Upload {
    const open = session.uploads.get(upload);
    if (open === undefined) {
      throw new SymphonyError("NotFound", `Cannot ${method}: no upload ${upload} is open`);
    }
    return open;
  }

  // (Re)arms an upload's idle timer: silent for UPLOAD_IDLE_MS, it is aborted.
  #idle(session: PitSession, upload: number, open: Upload): void {
    clearTimeout(open.idle);
    const timer = setTimeout(
      () => this.#end(session, upload, `no chunk came for ${UPLOAD_IDLE_MS / 1000} s`),
      UPLOAD_IDLE_MS,
    );
    Deno.unrefTimer(timer);
    open.idle = timer;
  }

  #end(session: PitSession, upload: number, why: string): void {
    const open = session.uploads.get(upload);
    if (open === undefined) return;
    session.uploads.delete(upload);
    this.#drop(open, why);
  }

  #drop(open: Upload, why: string): void {
    clearTimeout(open.idle);
    void open.writer.abort(
      new SymphonyError("InvalidInput", `Cannot store the upload: ${why}`),
    ).catch(() => {});
  }

  // A write into an upload that was aborted meanwhile fails with the reason.
  async #writing(method: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (error instanceof SymphonyError) throw error;
      throw new SymphonyError("InvalidInput", `Cannot ${method}: the upload was aborted`, {
        cause: error,
      });
    }
  }

  // Whose namespace a read uses: the caller's (with `owner` for what another
  // shared with it), or, for the enterprise tier, any.
  #reader(
    caller: PitCaller,
    owner: string | undefined,
    method: string,
  ): [string, { owner?: string }] {
    this.#allow(caller, "artifacts", method);
    if (owner === undefined || owner === caller.manifest.id) return [caller.manifest.id, {}];
    if (mayUsePit(caller.trust, "artifacts.any")) return [owner, {}];
    return [caller.manifest.id, { owner }];
  }

  async #acquire(
    caller: PitCaller,
    method: string,
    request: z.infer<typeof acquireSchema>,
  ): Promise<unknown> {
    this.#allow(caller, "leases", method);
    const { session } = caller;
    const declared = caller.manifest.resources.leases;
    if (!mayUsePit(caller.trust, "leases.any")) {
      const undeclared = request.resources.filter((r) => !declared.includes(r.name));
      if (undeclared.length > 0) {
        throw new SymphonyError(
          "PermissionDenied",
          `Cannot ${method}: ${caller.manifest.id} does not declare ${
            undeclared.map((r) => r.name).join(", ")
          } in resources.leases`,
        );
      }
    }
    // Leases that ran out of time are forgotten here, so the map stays small.
    const now = Date.now();
    for (const [key, held] of session.leases) if (held.expiresAt <= now) session.leases.delete(key);
    const arbitration = this.#pit.arbitration;
    const wanted = {
      holder: caller.manifest.id,
      resources: request.resources.map((r) => ({
        name: r.name,
        ...(r.mode === undefined ? {} : { mode: r.mode }),
        ...(r.units === undefined ? {} : { units: r.units }),
      })),
      ...(request.priority === undefined ? {} : { priority: request.priority }),
      ...(request.ttlMs === undefined ? {} : { ttlMs: request.ttlMs }),
    };
    const taken = (): SymphonyError =>
      new SymphonyError(
        "ResourceExhausted",
        `Cannot ${method}: ${request.resources.map((r) => r.name).join(", ")} taken${
          request.waitMs ? ` for ${request.waitMs} ms` : "; pass waitMs to wait"
        }`,
      );
    let lease: Lease | undefined;
    if (request.waitMs === undefined || request.waitMs === 0) {
      lease = arbitration.tryAcquire(wanted);
    } else {
      const signal = AbortSignal.any([session.signal, AbortSignal.timeout(request.waitMs)]);
      try {
        lease = await arbitration.acquire(wanted, { signal });
      } catch (error) {
        if (session.closed) throw session.signal.reason;
        if (error instanceof SymphonyError) throw error;
        throw taken();
      }
    }
    if (lease === undefined) throw taken();
    // The process ended while the grant was on its way: nobody holds it.
    if (session.closed) {
      arbitration.release(lease);
      throw session.signal.reason;
    }
    session.leases.set(lease.id, lease);
    return { id: lease.id, expiresAt: lease.expiresAt, resources: lease.resources };
  }
}

// Another namespace's artifact the caller may not see is, to it, not there:
// the answer must not tell whether some content exists elsewhere.
function hidden<T>(read: () => T): T {
  const refused = (error: unknown): never => {
    if (error instanceof SymphonyError && error.code === "PermissionDenied") {
      throw new SymphonyError(
        "NotFound",
        "Cannot find the artifact: no such artifact is shared with you",
        {
          cause: error,
        },
      );
    }
    throw error;
  };
  try {
    const result = read();
    return (result instanceof Promise ? result.catch(refused) : result) as T;
  } catch (error) {
    return refused(error);
  }
}
