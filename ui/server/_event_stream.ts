/**
 * `GET /api/events`: the Conductor's event bus as Server-Sent Events. The
 * host's own events, published by `host`:
 *
 * - `extension.state`: a state change, with its reason;
 * - `extension.crashed`: a crash or a limit kill (`kind`), and whether the
 *   circuit breaker disabled it;
 * - `extension.denied`: a call that failed with `PermissionDenied`;
 * - `extension.sample`: an activity point (memory, CPU, calls and errors),
 *   about once a second per running extension;
 * - `extension.log`: a line an extension logged;
 * - `extension.uninstalled`: the host forgot an extension that was uninstalled;
 *
 * and the events extensions publish. Each message's data is the bus event as
 * JSON (`{ topic, from, at, payload }`); a client too slow to read loses
 * events, and is told how many in a `dropped` event.
 *
 * @module
 */
import type { Context } from "hono";
import { type SSEMessage, streamSSE } from "hono/streaming";
import type { EventBus } from "../../conductor/mod.ts";

/** Options for {@linkcode eventStream}. */
export interface EventStreamOptions {
  /** The bus to forward. */
  events: EventBus;
  /** Ends the stream: the server is stopping. */
  signal?: AbortSignal | undefined;
  /** Time between keep-alive comments, in ms. */
  heartbeatMs: number;
}

/** Messages waiting for a slow client; beyond, events are dropped and counted. */
const MAX_PENDING = 1_000;

/**
 * Streams the bus to one client until it goes away or the server stops; then
 * it stops listening.
 *
 * @param c The request's context.
 * @param options The bus and the stream's timing.
 * @returns The `text/event-stream` response.
 */
export function eventStream(c: Context, options: EventStreamOptions): Response {
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (stream) => {
    const ended = Promise.withResolvers<void>();
    const end = (): void => ended.resolve();
    let pending = 0;
    let dropped = 0;
    let sent = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const send = (message: SSEMessage): void => {
      pending++;
      writing = writing.then(() => stream.writeSSE(message)).catch(() => {}).finally(() =>
        pending--
      );
    };
    const unsubscribe = options.events.subscribe("**", (event) => {
      if (pending >= MAX_PENDING) return void dropped++;
      if (dropped > 0) {
        send({ event: "dropped", data: JSON.stringify({ count: dropped }) });
        dropped = 0;
      }
      send({ id: String(++sent), data: JSON.stringify(event) });
    });
    const heartbeat = setInterval(() => {
      writing = writing.then(() => stream.write(": keep-alive\n\n"));
    }, options.heartbeatMs);
    stream.onAbort(end);
    options.signal?.addEventListener("abort", end, { once: true });
    if (options.signal?.aborted === true) end();
    try {
      send({ event: "ready", data: "{}", retry: 3_000 });
      await ended.promise;
    } finally {
      unsubscribe();
      clearInterval(heartbeat);
      options.signal?.removeEventListener("abort", end);
    }
  });
}
