/**
 * `/api/audit`: the audit trail, filtered, and the check of its hash chain.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  AUDIT_KINDS,
  type AuditFilter,
  type AuditVerification,
  type Conductor,
} from "../../conductor/mod.ts";
import { metadataSchema } from "../../manifest/mod.ts";
import { parseInput } from "./_parse_input.ts";
import type { ApiEnv } from "./_session_guard.ts";

const instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text).toISOString());

const auditQuery = z.strictObject({
  ext: metadataSchema.shape.id.optional(),
  kind: z.enum(AUDIT_KINDS).optional(),
  /** Records at or after (ISO 8601). */
  since: instant.optional(),
  /** Records before (ISO 8601). */
  until: instant.optional(),
  /** The latest this many. */
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

/** How long a verification's answer is reused, in ms. */
const VERIFY_REUSE_MS = 5_000;

/**
 * The audit endpoints, to mount at `/api/audit`.
 *
 * @param conductor The host.
 * @returns The routes.
 */
export function auditRoutes(conductor: Conductor): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get("/", (c) => {
    const query = parseInput(auditQuery, c.req.query(), "the query");
    const filter: AuditFilter = { limit: query.limit };
    if (query.ext !== undefined) filter.extension = query.ext;
    if (query.kind !== undefined) filter.kind = query.kind;
    if (query.since !== undefined) filter.since = query.since;
    if (query.until !== undefined) filter.until = query.until;
    return c.json({ records: conductor.audit.list(filter) });
  });

  // One verification at a time, its answer shared for a few seconds: a
  // viewer reloading the page does not start a worker per core each time.
  let running: Promise<AuditVerification> | undefined;
  let finishedAt = 0;
  app.get("/verify", async (c) => {
    if (running === undefined || Date.now() - finishedAt > VERIFY_REUSE_MS) {
      const verification = conductor.audit.verify();
      running = verification;
      verification.then(() => (finishedAt = Date.now()), () => (running = undefined));
      finishedAt = Infinity;
    }
    return c.json(await running);
  });

  return app;
}
