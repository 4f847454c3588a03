/**
 * Builds the browser script of the UI: `ui/client/main.tsx` bundled by
 * `deno bundle --platform browser` (Deno's built-in bundler), with the
 * project's `deno.json` for the import map and the JSX settings.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { SymphonyError } from "../../symphony_error.ts";

/** Options for {@linkcode bundleClient}. */
export interface BundleClientOptions {
  /** Stops the bundler: the promise then rejects. */
  signal?: AbortSignal;
  /** The entry module. Default: `ui/client/main.tsx`. */
  entry?: string;
}

/**
 * Bundles the client into one ES module, in memory (nothing is written).
 *
 * @param options The entry and a signal to stop it.
 * @returns The bundled JavaScript.
 * @throws {SymphonyError} `Internal` when the bundler fails (its message says why).
 *
 * @example Bundle the UI's client
 * ```ts
 * import { bundleClient } from "./bundle_client.ts";
 * import assert from "node:assert/strict";
 *
 * const script = await bundleClient();
 * assert.match(script, /\/api\/session/);
 * ```
 */
export async function bundleClient(options: BundleClientOptions = {}): Promise<string> {
  const entry = options.entry ?? fileURLToPath(new URL("../client/main.tsx", import.meta.url));
  const config = fileURLToPath(new URL("../../deno.json", import.meta.url));
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", "--minify", "--config", config, entry],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }).output();
  const script = new TextDecoder().decode(output.stdout);
  if (!output.success || script.trim() === "") {
    const why = new TextDecoder().decode(output.stderr).trim() || `exit code ${output.code}`;
    throw new SymphonyError("Internal", `Cannot bundle the UI's client ${entry}: ${why}`);
  }
  return script;
}
