/**
 * The per-host policy file, `$SYMPHONY_HOME/host/policy.json`: it tightens
 * what any extension may be granted, and may raise the host to the enterprise
 * tier, where requests that escape the sandbox can be granted to extensions
 * an admin set to the enterprise trust tier (running programs also needs
 * `allow_run`, and an explicit grant per program). A policy file that does not parse
 * refuses every start: the host fails closed.
 *
 * ```json
 * { "tier": "community", "deny": { "net": ["*"], "env": ["AWS_SECRET_ACCESS_KEY"] }, "resources": { "gpu": 1 } }
 * ```
 *
 * @module
 */
import { z } from "zod";
import { SymphonyError } from "../symphony_error.ts";

const KINDS = ["read", "write", "net", "env", "sys", "run"] as const;

/** The policy file's schema. */
export const hostPolicySchema = z.strictObject({
  /** `community` (default): no sandbox escapes are ever granted. `enterprise`: they may be. */
  tier: z.enum(["community", "enterprise"]).default("community"),
  /** Enterprise only: whether `run` may be granted at all. Default false. */
  allow_run: z.boolean().default(false),
  /** Per kind, values never granted to any extension; `*` denies the whole kind. */
  deny: z.partialRecord(z.enum(KINDS), z.array(z.string().min(1))).default({}),
  /**
   * Shared resources extensions may lease (the Arbitration Engine), by name,
   * with their capacity: `{ "gpu": 1, "net:api.example.com": 5 }`. Default: none.
   */
  resources: z.record(z.string().min(1).max(256), z.int().min(1).max(1_000_000)).default({}),
  /**
   * The retention the long-running host (`symphony dev`) applies on a
   * schedule, as `symphony gc` does on demand; absent, nothing is removed on
   * a schedule. Idle extension processes are reaped too when
   * `process_idle_minutes` is set.
   */
  retention: z.strictObject({
    every_minutes: z.number().positive().max(7 * 24 * 60).default(60),
    max_age_days: z.number().positive().optional(),
    max_idle_days: z.number().positive().optional(),
    max_bytes: z.int().nonnegative().optional(),
    keep_per_name: z.int().positive().optional(),
    archive_dir: z.string().min(1).optional(),
    process_idle_minutes: z.number().positive().optional(),
  }).optional(),
});

/** A validated policy. */
export type HostPolicy = z.infer<typeof hostPolicySchema>;

/** The policy when there is no file: community tier, nothing more denied. */
export const DEFAULT_POLICY: HostPolicy = {
  tier: "community",
  allow_run: false,
  deny: {},
  resources: {},
};

/**
 * Reads the policy file.
 *
 * @param file Its path.
 * @returns The policy; the default one when the file does not exist.
 * @throws {SymphonyError} `PermissionDenied` for a file that is not a valid policy.
 *
 * @example
 * ```ts
 * import { readHostPolicy } from "./host_policy.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * assert.equal((await readHostPolicy(`${dir}/policy.json`)).tier, "community");
 * await Deno.writeTextFile(`${dir}/policy.json`, '{"deny":{"net":["*"]}}');
 * assert.deepEqual((await readHostPolicy(`${dir}/policy.json`)).deny, { net: ["*"] });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readHostPolicy(file: string): Promise<HostPolicy> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return DEFAULT_POLICY;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = hostPolicySchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SymphonyError(
      "PermissionDenied",
      `Cannot start extensions: the host policy ${file} is invalid (${
        issue === undefined ? "not JSON" : `${issue.path.join(".") || "policy"}: ${issue.message}`
      }); fix it or remove it`,
    );
  }
  return result.data;
}

/**
 * Whether the policy denies one permission value.
 *
 * @param policy The policy.
 * @param kind The permission kind.
 * @param value The value.
 * @returns Whether it is denied.
 */
export function policyDenies(policy: HostPolicy, kind: string, value: string): boolean {
  const denied = policy.deny[kind as typeof KINDS[number]] ?? [];
  return denied.includes("*") || denied.includes(value);
}

/**
 * Whether the policy lets extensions run programs at all: the enterprise tier
 * with `allow_run`. Even then only an extension of the enterprise tier, and
 * only the programs an admin granted it one by one.
 *
 * @param policy The policy.
 * @returns Whether `run` may be granted on this host.
 *
 * @example
 * ```ts
 * import { DEFAULT_POLICY, policyAllowsRun } from "./host_policy.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(policyAllowsRun(DEFAULT_POLICY), false);
 * assert.equal(policyAllowsRun({ ...DEFAULT_POLICY, tier: "enterprise" }), false);
 * assert.equal(policyAllowsRun({ ...DEFAULT_POLICY, tier: "enterprise", allow_run: true }), true);
 * ```
 */
export function policyAllowsRun(policy: HostPolicy): boolean {
  return policy.tier === "enterprise" && policy.allow_run;
}
