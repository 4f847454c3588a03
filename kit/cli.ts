/**
 * The `symphony` executable: `deno task symphony <command> [args]`.
 *
 * @module
 */
import { processIo } from "./cli_io.ts";
import { runCli } from "./run_cli.ts";

if (import.meta.main) {
  Deno.exitCode = await runCli(Deno.args, processIo());
}
