/**
 * The Orchestra Kit's tools around the runtime; for now the command line.
 *
 * - {@linkcode runCli}: runs `symphony <command>` with the given arguments.
 * - {@linkcode validateCommand}: the `validate` command.
 * - {@linkcode CliIo}, {@linkcode processIo}: where commands write.
 *
 * @module
 */
export { type CliIo, processIo } from "./cli_io.ts";
export { CLI_HELP, runCli } from "./run_cli.ts";
export { VALIDATE_HELP, validateCommand } from "./validate_command.ts";
