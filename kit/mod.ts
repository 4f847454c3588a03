/**
 * The Orchestra Kit's tools around the runtime: the command line and installing.
 *
 * - {@linkcode runCli}: runs `symphony <command>` with the given arguments.
 * - {@linkcode installExtension}: validate, review, copy and cache an extension.
 * - {@linkcode uninstallExtension}: stop an extension, archive its settings, remove its files.
 * - {@linkcode permissionReview}: what an extension may do, in plain words.
 * - The commands: `validate`, `install`, `list`, `call`, `uninstall`.
 * - {@linkcode CliIo}, {@linkcode processIo}: where commands write.
 *
 * @module
 */
export { type CliIo, processIo } from "./cli_io.ts";
export { CLI_HELP, runCli } from "./run_cli.ts";
export { VALIDATE_HELP, validateCommand } from "./validate_command.ts";
export { callCommand } from "./call_command.ts";
export { installCommand } from "./install_command.ts";
export { installExtension, type InstallExtensionOptions } from "./install_extension.ts";
export { type VerifiedPackage, verifyPackage } from "./verify_package.ts";
export {
  planDependencies,
  type PlanDependenciesOptions,
  type PlannedDependency,
} from "./plan_dependencies.ts";
export { addedPermissions, type InstallReview, installReview } from "./install_review.ts";
export { type SandboxPlacement, setUpSandbox, type SetUpSandboxOptions } from "./set_up_sandbox.ts";
export { configureInstall, type ConfigureInstallOptions } from "./configure_install.ts";
export { registerInstall, type RegisterInstallOptions } from "./register_install.ts";
export { cacheDependencies } from "./cache_dependencies.ts";
export { listCommand } from "./list_command.ts";
export { permissionReview } from "./permission_review.ts";
export {
  uninstallCommand,
  uninstallExtension,
  type UninstallExtensionOptions,
  type UninstallReport,
} from "./uninstall_command.ts";
