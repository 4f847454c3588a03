/**
 * The host's own version, the one `engines.symphony` ranges are checked
 * against. `deno.json` is its single source.
 *
 * @module
 */
import config from "./deno.json" with { type: "json" };

/**
 * This host's semantic version.
 *
 * @example
 * ```ts
 * import { SYMPHONY_VERSION } from "./version.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(SYMPHONY_VERSION, /^\d+\.\d+\.\d+/);
 * ```
 */
export const SYMPHONY_VERSION: string = config.version;
