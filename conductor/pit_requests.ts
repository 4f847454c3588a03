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
import type { Manifest } from "../manifest/mod.ts";
import type { ArtifactVersion, Lease } from "../pit/mod.ts";
import { mayUsePit, type PitCapability, type TrustTier } from "../sandbox/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { HostPit } from "./host_pit.ts";

/** The largest chunk of an artifact in one request or answer, in bytes. */
export const PIT_CHUNK_BYTES = 1024 * 1024;
/** Uploads one extension may have open at once. */
export const MAX_OPEN_UPLOADS = 4;

/** Who asks: the extension as the Conductor knows it. */
export interface PitCaller {
  manifest: Manifest;
  trust: TrustTier;
}

interface Upload {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  done: Promise<ArtifactVersion>;
}

const name = z.string().min(1).max(256);
const putSchema = z.strictObject({
  name,
  mediaType: z.string().max(256).optional(),
  tags: z.array(z.string().max(64)).max(32).optional(),
  quality: z.number().min(0).max(1).optional(),
});
const uploadSchema = z.strictObject({ upload: z.int().positive() });
const chunkSchema = z.strictObject({ upload: z.int().positive(), data: z.string() });
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
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SymphonyError(
      "InvalidInput",
      `Cannot ${method}: ${issue?.path.join(".") || "params"}: ${issue?.message ?? "invalid"}`,
    );
  }
  return result.data;
}

/**
 * Answers extensions' requests to the Pit, each checked against the caller's
 * trust tier.
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
 * const caller = { manifest: result.manifest, trust: "community" as const };
 * const { upload } = await requests.answer(caller, "pit.artifacts.put.begin", { name: "n" }) as { upload: number };
 * await requests.answer(caller, "pit.artifacts.put.chunk", { upload, data: btoa("hello") });
 * const put = await requests.answer(caller, "pit.artifacts.put.end", { upload }) as { size: number };
 * assert.equal(put.size, 5);
 * await assert.rejects(
 *   requests.answer(caller, "pit.leases.acquire", { resources: [{ name: "gpu" }] }),
 *   /community tier/,
 * );
 * await Deno.remove(home, { recursive: true });
 * ```
 */
export class PitRequests {
  readonly #pit: HostPit;
  readonly #uploads = new Map<number, Upload & { owner: string }>();
  readonly #leases = new Map<number, Lease>();
  #nextUpload = 1;

  /** @param pit The host's Pit. */
  constructor(pit: HostPit) {
    this.#pit = pit;
  }

  /**
   * Answers one request.
   *
   * @param caller The extension, as the Conductor knows it.
   * @param method The request, `pit.<module>.<operation>`.
   * @param params Its parameters.
   * @returns The answer, a JSON value.
   * @throws {SymphonyError} `PermissionDenied` beyond the caller's tier, `InvalidInput`,
   * `NotFound`, `ResourceExhausted` (resources taken, too many uploads), or the Pit's own errors.
   */
  async answer(caller: PitCaller, method: string, params: unknown): Promise<unknown> {
    const id = caller.manifest.id;
    const store =
      (): HostPit["artifacts"] => (this.#allow(caller, "artifacts", method), this.#pit.artifacts);
    switch (method) {
      case "pit.artifacts.put.begin": {
        const options = parse(putSchema, method, params);
        const artifacts = store();
        if ([...this.#uploads.values()].filter((u) => u.owner === id).length >= MAX_OPEN_UPLOADS) {
          throw new SymphonyError(
            "ResourceExhausted",
            `Cannot ${method}: ${id} already has ${MAX_OPEN_UPLOADS} uploads open`,
          );
        }
        const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
        const done = artifacts.put(id, readable, {
          ...options,
          name: options.name,
          producer: id,
        });
        done.catch(() => {});
        const upload = this.#nextUpload++;
        this.#uploads.set(upload, { writer: writable.getWriter(), done, owner: id });
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
        if (bytes.length > PIT_CHUNK_BYTES) {
          throw new SymphonyError("InvalidInput", `Cannot ${method}: a chunk holds at most 1 MiB`);
        }
        await this.#upload(id, upload, method).writer.write(bytes);
        return null;
      }
      case "pit.artifacts.put.end": {
        const { upload } = parse(uploadSchema, method, params);
        const open = this.#upload(id, upload, method);
        this.#uploads.delete(upload);
        await open.writer.close();
        return await open.done;
      }
      case "pit.artifacts.put.abort": {
        const { upload } = parse(uploadSchema, method, params);
        const open = this.#upload(id, upload, method);
        this.#uploads.delete(upload);
        await open.writer.abort(new Error("the extension aborted the upload"));
        return null;
      }
      case "pit.artifacts.get": {
        const { name, version, owner } = parse(getSchema, method, params);
        const [namespace, options] = this.#reader(caller, owner, method);
        return store().get(namespace, name, {
          ...options,
          ...(version === undefined ? {} : { version }),
        });
      }
      case "pit.artifacts.versions": {
        const { name, owner } = parse(getSchema, method, params);
        const [namespace, options] = this.#reader(caller, owner, method);
        return store().versions(namespace, name, options);
      }
      case "pit.artifacts.search":
        return store().search(id, parse(searchSchema, method, params));
      case "pit.artifacts.read": {
        const { id: artifact, offset, length, owner } = parse(readSchema, method, params);
        const [namespace] = this.#reader(caller, owner, method);
        const bytes = await store().read(namespace, artifact, {
          length,
          ...(offset === undefined ? {} : { offset }),
        });
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
        const lease = this.#leases.get(parse(releaseSchema, method, params).id);
        if (lease === undefined || lease.holder !== id) return false;
        this.#leases.delete(lease.id);
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

  /**
   * Forgets an extension whose process ended: its open uploads are aborted,
   * its lease handles dropped (the Conductor releases its leases).
   *
   * @param id The extension.
   */
  forget(id: string): void {
    for (const [key, upload] of this.#uploads) {
      if (upload.owner !== id) continue;
      this.#uploads.delete(key);
      void upload.writer.abort(new Error(`${id} stopped`)).catch(() => {});
    }
    for (const [key, lease] of this.#leases) if (lease.holder === id) this.#leases.delete(key);
  }

  #allow(caller: PitCaller, capability: PitCapability, method: string): void {
    if (mayUsePit(caller.trust, capability)) return;
    throw new SymphonyError(
      "PermissionDenied",
      `Cannot ${method}: ${caller.manifest.id} is in the ${caller.trust} tier, which may not use ${capability}`,
    );
  }

  #upload(id: string, upload: number, method: string): Upload {
    const open = this.#uploads.get(upload);
    if (open === undefined || open.owner !== id) {
      throw new SymphonyError("NotFound", `Cannot ${method}: no upload ${upload} is open`);
    }
    return open;
  }

  // Whose namespace a read uses: the caller's (with `owner` for what another
  // shared with it), or, for the enterprise tier, any.
  #reader(
    caller: PitCaller,
    owner: string | undefined,
    method: string,
  ): [string, { owner?: string }] {
    if (owner === undefined || owner === caller.manifest.id) return [caller.manifest.id, {}];
    if (mayUsePit(caller.trust, "artifacts.any")) return [owner, {}];
    this.#allow(caller, "artifacts", method);
    return [caller.manifest.id, { owner }];
  }

  async #acquire(
    caller: PitCaller,
    method: string,
    request: z.infer<typeof acquireSchema>,
  ): Promise<unknown> {
    this.#allow(caller, "leases", method);
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
    const lease = request.waitMs === undefined || request.waitMs === 0
      ? arbitration.tryAcquire(wanted)
      : await arbitration.acquire(wanted, { signal: AbortSignal.timeout(request.waitMs) });
    if (lease === undefined) {
      throw new SymphonyError(
        "ResourceExhausted",
        `Cannot ${method}: ${
          request.resources.map((r) => r.name).join(", ")
        } taken; pass waitMs to wait`,
      );
    }
    this.#leases.set(lease.id, lease);
    return { id: lease.id, expiresAt: lease.expiresAt, resources: lease.resources };
  }
}
