/**
 * The Symphony Orchestra Kit: a runtime that runs untrusted editor extensions,
 * each in its own permission-sandboxed Deno process.
 *
 * This is the public API. So far it covers the manifest system:
 *
 * - {@linkcode loadManifest}: read and validate an extension's manifest from disk.
 * - {@linkcode validateManifest}: validate a parsed manifest, reporting every problem.
 * - {@linkcode resolveDependencies}: choose one version per extension and a load order.
 * - {@linkcode sandboxEscapes}: list the requests that would let an extension out of the sandbox.
 * - {@linkcode SymphonyError}: the error every user-facing failure carries, with a contract code.
 *
 * @example Validate an extension directory
 * ```ts
 * import { loadManifest } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const loaded = await loadManifest(new URL("./tests/fixtures/instrument", import.meta.url).pathname);
 * assert.ok(loaded.ok);
 * assert.equal(loaded.manifest.type, "instrument");
 * ```
 *
 * @module
 */
export * from "./manifest/mod.ts";
export { ERROR_CODES, type ErrorCode, SymphonyError } from "./symphony_error.ts";
export { SYMPHONY_VERSION } from "./version.ts";
