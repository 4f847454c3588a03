/**
 * Trust tiers: what an extension may reach of the Pit, the host's in-process
 * services, through `ctx`. Every installed extension starts `community`;
 * an admin raises it (`symphony trust`), and signing will tie tiers to
 * publisher keys.
 *
 * @module
 */

/** The tiers, from the least trusted. */
export const TRUST_TIERS = ["community", "trusted", "enterprise"] as const;

/** One of {@linkcode TRUST_TIERS}. */
export type TrustTier = typeof TRUST_TIERS[number];

/** What of the Pit an extension may use. */
export const PIT_CAPABILITIES = [
  /** Its own artifact namespace, and what others shared with it. */
  "artifacts",
  /** Leases on the shared resources its manifest declares (`resources.leases`). */
  "leases",
  /** Progress of workflows. */
  "workflows.read",
  /** Leases on any shared resource the host defines, declared or not. */
  "leases.any",
  /** Creating and driving workflows. */
  "workflows.manage",
  /** Reading any namespace's artifacts, shared or not. */
  "artifacts.any",
] as const;

/** One of {@linkcode PIT_CAPABILITIES}. */
export type PitCapability = typeof PIT_CAPABILITIES[number];

const BY_TIER: Record<TrustTier, ReadonlySet<PitCapability>> = {
  community: new Set(["artifacts"]),
  trusted: new Set(["artifacts", "leases", "workflows.read"]),
  enterprise: new Set(PIT_CAPABILITIES),
};

/**
 * Whether a tier may use a capability of the Pit: community extensions get
 * their own artifact namespace and nothing else; trusted ones may also lease
 * the resources they declare and read workflow progress; enterprise ones get
 * the full API.
 *
 * @param tier The extension's tier.
 * @param capability What it tries.
 * @returns Whether it may.
 *
 * @example
 * ```ts
 * import { mayUsePit } from "./trust_tier.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(mayUsePit("community", "artifacts"), true);
 * assert.equal(mayUsePit("community", "leases"), false);
 * assert.equal(mayUsePit("trusted", "workflows.read"), true);
 * assert.equal(mayUsePit("trusted", "workflows.manage"), false);
 * assert.equal(mayUsePit("enterprise", "artifacts.any"), true);
 * ```
 */
export function mayUsePit(tier: TrustTier, capability: PitCapability): boolean {
  return BY_TIER[tier].has(capability);
}
