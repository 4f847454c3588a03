/**
 * The Conductor's event bus: topic-based publish/subscribe with wildcard
 * patterns (`file.*`: a `*` stands for one dot-separated part), a token
 * bucket per publisher (excess is dropped and counted), and a size cap on
 * payloads. Listeners are called in publish order. The Conductor subscribes
 * extensions to it and delivers to their processes; host-side listeners (the
 * UI, later the workflow engine) subscribe directly and also see lifecycle
 * events.
 *
 * @module
 */

/** An event as subscribers see it. */
export interface BusEvent {
  topic: string;
  /** A JSON value. */
  payload: unknown;
  /** The publishing extension's id as the Conductor knows it, or `host`. */
  from: string;
  /** ISO 8601. */
  at: string;
}

/** Options for {@linkcode EventBus}. */
export interface EventBusOptions {
  /** Events per second one publisher may publish. Default: 100. */
  ratePerSecond?: number;
  /** Events a publisher may publish at once before the rate applies. Default: 200. */
  burst?: number;
  /** The largest payload, as JSON text. Default: 64 KiB. */
  maxPayloadBytes?: number;
}

/** What became of a published event. */
export type PublishResult =
  | { ok: true; delivered: number }
  | { ok: false; reason: "rate" | "size" | "not-json"; message: string };

/**
 * Whether a topic matches a pattern: the same number of parts, each equal or `*`.
 *
 * @param pattern A pattern such as `file.*`.
 * @param topic A topic such as `file.saved`.
 * @returns Whether it matches.
 *
 * @example
 * ```ts
 * import { topicMatches } from "./event_bus.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(topicMatches("file.*", "file.saved"), true);
 * assert.equal(topicMatches("file.*", "file.saved.twice"), false);
 * assert.equal(topicMatches("*.done", "format.done"), true);
 * ```
 */
export function topicMatches(pattern: string, topic: string): boolean {
  const want = pattern.split(".");
  const have = topic.split(".");
  return want.length === have.length && want.every((part, i) => part === "*" || part === have[i]);
}

interface Bucket {
  tokens: number;
  refilled: number;
  published: number;
  dropped: number;
}

/**
 * Publish/subscribe with per-publisher rate limits.
 *
 * @example
 * ```ts
 * import { EventBus } from "./event_bus.ts";
 * import assert from "node:assert/strict";
 *
 * const bus = new EventBus({ burst: 2, ratePerSecond: 1 });
 * const seen: string[] = [];
 * bus.subscribe("file.*", (event) => seen.push(`${event.from}:${event.topic}`));
 * assert.deepEqual(bus.publish("acme.a", "file.saved", { path: "x" }), { ok: true, delivered: 1 });
 * bus.publish("acme.a", "format.done", null);
 * assert.equal(bus.publish("acme.a", "file.saved", null).ok, false); // over the burst
 * assert.deepEqual(seen, ["acme.a:file.saved"]);
 * assert.deepEqual(bus.stats().get("acme.a"), { published: 2, dropped: 1 });
 * ```
 */
export class EventBus {
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxPayload: number;
  readonly #listeners = new Set<{ pattern: string; listener: (event: BusEvent) => void }>();
  readonly #buckets = new Map<string, Bucket>();

  /** @param options Rates and sizes. */
  constructor(options: EventBusOptions = {}) {
    this.#rate = options.ratePerSecond ?? 100;
    this.#burst = options.burst ?? 200;
    this.#maxPayload = options.maxPayloadBytes ?? 64 * 1024;
  }

  /**
   * Listens to the events whose topic matches `pattern` (`*` for every one-part
   * topic; use several patterns for several depths, or `**` for every topic).
   *
   * @param pattern A topic pattern, or `**` for all.
   * @param listener Called for each matching event, in publish order.
   * @returns Stops listening.
   */
  subscribe(pattern: string, listener: (event: BusEvent) => void): () => void {
    const entry = { pattern, listener };
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  /**
   * Publishes an event.
   *
   * @param from The publisher: an extension id, or `host`.
   * @param topic The topic.
   * @param payload A JSON value.
   * @returns How many listeners got it, or why it was dropped.
   */
  publish(from: string, topic: string, payload: unknown): PublishResult {
    const bucket = this.#bucket(from);
    if (from !== "host") {
      const now = Date.now();
      bucket.tokens = Math.min(
        this.#burst,
        bucket.tokens + ((now - bucket.refilled) / 1000) * this.#rate,
      );
      bucket.refilled = now;
      if (bucket.tokens < 1) {
        bucket.dropped++;
        return {
          ok: false,
          reason: "rate",
          message: `more than ${this.#rate} events a second from ${from}`,
        };
      }
      bucket.tokens--;
    }
    // The host's own events (a state change on every call) are trusted JSON:
    // only extensions' payloads are encoded to be checked.
    let text: string | undefined = from === "host" ? "" : undefined;
    try {
      text ??= JSON.stringify(payload ?? null);
    } catch {
      // A bigint or a cycle.
    }
    if (text === undefined) {
      bucket.dropped++;
      return { ok: false, reason: "not-json", message: "the payload is not JSON" };
    }
    if (text.length > this.#maxPayload) {
      bucket.dropped++;
      return {
        ok: false,
        reason: "size",
        message: `the payload is ${text.length} bytes, over ${this.#maxPayload}`,
      };
    }
    bucket.published++;
    const event: BusEvent = { topic, payload: payload ?? null, from, at: new Date().toISOString() };
    let delivered = 0;
    for (const { pattern, listener } of this.#listeners) {
      if (pattern !== "**" && !topicMatches(pattern, topic)) continue;
      delivered++;
      try {
        listener(event);
      } catch {
        // One listener's failure does not stop delivery to the others.
      }
    }
    return { ok: true, delivered };
  }

  /** @returns Per publisher, events published and dropped. */
  stats(): Map<string, { published: number; dropped: number }> {
    return new Map(
      [...this.#buckets].map(([from, b]) => [from, { published: b.published, dropped: b.dropped }]),
    );
  }

  #bucket(from: string): Bucket {
    let bucket = this.#buckets.get(from);
    if (bucket === undefined) {
      bucket = { tokens: this.#burst, refilled: Date.now(), published: 0, dropped: 0 };
      this.#buckets.set(from, bucket);
    }
    return bucket;
  }
}
