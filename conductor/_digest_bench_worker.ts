/**
 * The baseline of `conductor_bench.ts` for verifying the audit chain: a
 * worker that computes WebCrypto SHA-256 digests of records' bytes and
 * nothing else, as many under way at once as `verifyRange` keeps (two pages),
 * and answers how long they took.
 *
 * @module
 */
import { VERIFY_PAGE } from "./_audit_verify_range.ts";

/** What the worker is asked: digest `count` inputs, cycling through `inputs`. */
export interface DigestBenchRequest {
  inputs: Uint8Array<ArrayBuffer>[];
  count: number;
}

/** What it answers: the milliseconds the digests took. */
export interface DigestBenchReply {
  ms: number;
}

// The worker's global scope, typed without the worker lib (this file is type
// checked with the rest of the host).
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<DigestBenchRequest>) => void) | null;
  postMessage(reply: DigestBenchReply): void;
};

function digestPage(
  inputs: Uint8Array<ArrayBuffer>[],
  from: number,
  size: number,
): Promise<ArrayBuffer[]> {
  const digests: Promise<ArrayBuffer>[] = [];
  for (let i = from; i < from + size; i++) {
    digests.push(
      crypto.subtle.digest("SHA-256", inputs[i % inputs.length] as Uint8Array<ArrayBuffer>),
    );
  }
  return Promise.all(digests);
}

scope.onmessage = async (event: MessageEvent<DigestBenchRequest>): Promise<void> => {
  const { inputs, count } = event.data;
  const started = performance.now();
  // Like verifyRange: the next page is issued before this one is awaited.
  let current = digestPage(inputs, 0, Math.min(VERIFY_PAGE, count));
  for (let done = 0; done < count;) {
    const size = Math.min(VERIFY_PAGE, count - done - VERIFY_PAGE);
    const next = size > 0 ? digestPage(inputs, done + VERIFY_PAGE, size) : undefined;
    done += (await current).length;
    if (next === undefined) break;
    current = next;
  }
  scope.postMessage({ ms: performance.now() - started });
};
