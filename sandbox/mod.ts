/**
 * The sandbox: from a manifest and its grants to the exact `deno run` command
 * of an extension process, and the checks a package must pass to be
 * installed. Deno's permission model does the enforcing.
 *
 * - {@linkcode permissionSet}: requested ∩ granted, placeholders expanded, rules checked again.
 * - {@linkcode denoRunArgs}: the flags for a permission set.
 * - {@linkcode sandboxCommand}: the whole command, with a cleared environment.
 * - {@linkcode Spawner}, {@linkcode denoSpawner}: the one place processes start.
 * - {@linkcode probeContainment}, {@linkcode containedSpawner}: OS limits (memory, open
 *   files) and a parent-death signal for extension processes, where the platform allows.
 * - {@linkcode checkPackage}: no links, devices or oversized packages.
 * - {@linkcode TRUST_TIERS}, {@linkcode mayUsePit}: what each trust tier may reach of the Pit.
 *
 * @module
 */
export { checkPackage, MAX_PACKAGE_BYTES, MAX_PACKAGE_FILES } from "./check_package.ts";
export {
  containedSpawner,
  type Containment,
  probeContainment,
  type ProbeContainmentOptions,
} from "./contained_spawner.ts";
export { denoRunArgs, type DenoRunArgsOptions } from "./deno_run_args.ts";
export {
  type ExtensionPaths,
  type Grants,
  type PermissionSet,
  permissionSet,
  type PermissionSetOptions,
} from "./permission_set.ts";
export { sandboxCommand, type SandboxCommandOptions } from "./sandbox_command.ts";
export {
  denoSpawner,
  type ProcessLimits,
  type SpawnCommand,
  type SpawnedProcess,
  type Spawner,
} from "./spawner.ts";
export {
  mayUsePit,
  PIT_CAPABILITIES,
  type PitCapability,
  TRUST_TIERS,
  type TrustTier,
} from "./trust_tier.ts";
