/**
 * The extension side of the Pit: `ctx.artifacts`, `ctx.leases` and
 * `ctx.workflows`, each a request to the Conductor, which checks the
 * extension's trust tier. Artifacts travel in chunks of at most 1 MiB, so
 * neither side holds a large one whole.
 *
 * @module
 */
import type {
  ArtifactInfo,
  ArtifactPutOptions,
  ArtifactSearch,
  ExtensionArtifacts,
  ExtensionLeases,
  ExtensionWorkflows,
  LeaseInfo,
  LeaseRequest,
  WorkflowProgress,
} from "./sdk.ts";

/** The largest chunk sent or asked for, in bytes (the host refuses more). */
export const CHUNK_BYTES = 1024 * 1024;

/** Sends one request to the host and waits for the answer. */
export type PitRequest = (method: string, params: unknown) => Promise<unknown>;

/**
 * The Pit's APIs of an extension's context, over `request`.
 *
 * @param request Sends a request to the host.
 * @returns `artifacts`, `leases` and `workflows` for the context.
 *
 * @example An upload in chunks
 * ```ts
 * import { pitClient } from "./pit_client.ts";
 * import assert from "node:assert/strict";
 *
 * const sent: string[] = [];
 * const { artifacts } = pitClient((method) => {
 *   sent.push(method);
 *   return Promise.resolve(method.endsWith("begin") ? { upload: 1 } : null);
 * });
 * await artifacts.put("notes", new Uint8Array(1024 * 1024 + 1));
 * assert.deepEqual(sent, [
 *   "pit.artifacts.put.begin",
 *   "pit.artifacts.put.chunk",
 *   "pit.artifacts.put.chunk",
 *   "pit.artifacts.put.end",
 * ]);
 * ```
 */
export function pitClient(request: PitRequest): {
  artifacts: ExtensionArtifacts;
  leases: ExtensionLeases;
  workflows: ExtensionWorkflows;
} {
  const encoder = new TextEncoder();
  const artifacts: ExtensionArtifacts = {
    async put(name, data, options: ArtifactPutOptions = {}): Promise<ArtifactInfo> {
      const { upload } = await request("pit.artifacts.put.begin", { name, ...options }) as {
        upload: number;
      };
      try {
        const bytes = typeof data === "string" ? encoder.encode(data) : data;
        if (bytes instanceof Uint8Array) {
          for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
            await request("pit.artifacts.put.chunk", {
              upload,
              data: bytes.subarray(at, at + CHUNK_BYTES).toBase64(),
            });
          }
        } else {
          for await (const chunk of bytes) {
            for (let at = 0; at < chunk.length; at += CHUNK_BYTES) {
              await request("pit.artifacts.put.chunk", {
                upload,
                data: chunk.subarray(at, at + CHUNK_BYTES).toBase64(),
              });
            }
          }
        }
      } catch (error) {
        await request("pit.artifacts.put.abort", { upload }).catch(() => {});
        throw error;
      }
      return await request("pit.artifacts.put.end", { upload }) as ArtifactInfo;
    },
    get: (name, options = {}) =>
      request("pit.artifacts.get", { name, ...options }) as Promise<ArtifactInfo>,
    versions: (name, options = {}) =>
      request("pit.artifacts.versions", { name, ...options }) as Promise<ArtifactInfo[]>,
    search: (query: ArtifactSearch = {}) =>
      request("pit.artifacts.search", query) as Promise<ArtifactInfo[]>,
    async read(id, options = {}): Promise<Uint8Array> {
      const { offset = 0, length, owner } = options;
      const parts: Uint8Array[] = [];
      let total = 0;
      for (let at = offset;;) {
        const want = Math.min(CHUNK_BYTES, length === undefined ? CHUNK_BYTES : length - total);
        if (want <= 0) break;
        const { data } = await request("pit.artifacts.read", {
          id,
          offset: at,
          length: want,
          ...(owner === undefined ? {} : { owner }),
        }) as { data: string };
        const chunk = Uint8Array.fromBase64(data);
        parts.push(chunk);
        total += chunk.length;
        at += chunk.length;
        if (chunk.length < want) break;
      }
      const bytes = new Uint8Array(total);
      let at = 0;
      for (const part of parts) (bytes.set(part, at), at += part.length);
      return bytes;
    },
    open(id, options = {}): ReadableStream<Uint8Array> {
      let at = 0;
      return new ReadableStream<Uint8Array>({
        async pull(controller): Promise<void> {
          const { data } = await request("pit.artifacts.read", {
            id,
            offset: at,
            length: CHUNK_BYTES,
            ...(options.owner === undefined ? {} : { owner: options.owner }),
          }) as { data: string };
          const chunk = Uint8Array.fromBase64(data);
          at += chunk.length;
          if (chunk.length > 0) controller.enqueue(chunk);
          if (chunk.length < CHUNK_BYTES) controller.close();
        },
      });
    },
    share: (name, withId) =>
      request("pit.artifacts.share", { name, with: withId }) as Promise<void>,
    unshare: (name, withId) =>
      request("pit.artifacts.unshare", { name, with: withId }) as Promise<boolean>,
    delete: (name, version) => request("pit.artifacts.delete", { name, version }) as Promise<void>,
  };
  const leases: ExtensionLeases = {
    acquire: (wanted: LeaseRequest) => request("pit.leases.acquire", wanted) as Promise<LeaseInfo>,
    release: (id) => request("pit.leases.release", { id }) as Promise<boolean>,
  };
  const workflows: ExtensionWorkflows = {
    progress: (id) => request("pit.workflows.progress", { id }) as Promise<WorkflowProgress>,
    create: (definition) =>
      request("pit.workflows.create", definition) as Promise<{ id: string; ready: string[] }>,
    step: (id, step, node) =>
      request("pit.workflows.step", { id, step, node }) as Promise<string[]>,
  };
  return { artifacts, leases, workflows };
}
