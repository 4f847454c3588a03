/**
 * The `symphony` executable: `deno task symphony <command> [args]`.
 *
 * @module
 */
import { processIo } from "./cli_io.ts";
import { runCli } from "./run_cli.ts";

if (import.meta.main) {
  // The command is done, its extensions stopped: leave, even if a read of
  // stdin (the dev host's command line) is still pending.
  Deno.exit(await runCli(Deno.args, processIo()));
}
