/**
 * Whether an extension's `engines.symphony` range admits a host version.
 *
 * @module
 */
// @ts-types="@types/semver"
import * as semver from "semver";

/**
 * Tells whether `range` admits `hostVersion`. A prerelease host such as
 * `0.1.5-dev.1` is admitted by ranges such as `^0.1.0`, so that development
 * builds run the extensions written for their release line.
 *
 * @param range The extension's `engines.symphony` range.
 * @param hostVersion The host's version.
 * @returns True when the extension runs on this host.
 *
 * @example
 * ```ts
 * import { supportsHost } from "./supports_host.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(supportsHost("^0.1.0", "0.1.4"), true);
 * assert.equal(supportsHost("^0.1.0", "0.2.0"), false);
 * assert.equal(supportsHost("^0.1.0", "0.1.5-dev.1"), true);
 * ```
 */
export function supportsHost(range: string, hostVersion: string): boolean {
  return semver.satisfies(hostVersion, range, { includePrerelease: true });
}
