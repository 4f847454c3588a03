/**
 * A worker that verifies one range of the audit chain: it opens the host
 * database's file read-only, verifies the range, posting its progress now
 * and then, and posts what it found ({@linkcode VerifyWorkerReply}). Started by `AuditTrail.verify()`.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import {
  verifyRange,
  type VerifyWorkerReply,
  type VerifyWorkerRequest,
} from "./_audit_verify_range.ts";

// The worker's global scope, typed without the worker lib (this file is type
// checked with the rest of the host).
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<VerifyWorkerRequest>) => void) | null;
  postMessage(reply: VerifyWorkerReply): void;
};

scope.onmessage = async (event: MessageEvent<VerifyWorkerRequest>): Promise<void> => {
  const { path, after, upTo } = event.data;
  try {
    using db = new DatabaseSync(path, { readOnly: true });
    const progress = (verified: number): void => scope.postMessage({ progress: verified });
    scope.postMessage({ range: await verifyRange(db, { after, upTo }, { progress }) });
  } catch (error) {
    scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
