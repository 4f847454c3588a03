/**
 * The first install step: verify a package before anything else looks at it.
 *
 * @module
 */
import { join } from "node:path";
import { formatProblem, loadManifest, type Manifest, sandboxEscapes } from "../manifest/mod.ts";
import { checkPackage } from "../sandbox/mod.ts";
import { SymphonyError } from "../symphony_error.ts";

/** A package that passed {@linkcode verifyPackage}. */
export interface VerifiedPackage {
  /** The extension directory, resolved. */
  dir: string;
  /** Its validated manifest. */
  manifest: Manifest;
  /** The SHA-256 (hex) of every file, by path relative to `dir`. */
  files: Record<string, string>;
}

/** Options for {@linkcode verifyPackage}. */
export interface VerifyPackageOptions {
  /**
   * Whether this host may ever let an extension run programs (its policy:
   * the enterprise tier with `allow_run`). Default: false, and a package
   * that asks to run programs is refused.
   */
  allowRun?: boolean;
}

/**
 * Verifies the package in `dir`: a valid manifest, no request to run
 * programs unless the host may ever allow it, only regular files inside the
 * directory (no links), within the size limits; and records the SHA-256 of
 * every file, which the copy is checked against and the host keeps.
 *
 * @param dir The extension directory.
 * @param options Whether programs may be run on this host.
 * @returns The manifest and the file hashes.
 * @throws {SymphonyError} `InvalidManifest` for a bad manifest or package,
 * `PermissionDenied` for a request to run programs the host never allows.
 *
 * @example
 * ```ts
 * import { verifyPackage } from "./verify_package.ts";
 * import assert from "node:assert/strict";
 *
 * const verified = await verifyPackage(new URL("../tests/fixtures/motif", import.meta.url).pathname);
 * assert.equal(verified.manifest.id, "acme.word-count");
 * assert.match(verified.files["main.ts"] ?? "", /^[0-9a-f]{64}$/);
 * ```
 */
export async function verifyPackage(
  dir: string,
  options: VerifyPackageOptions = {},
): Promise<VerifiedPackage> {
  const loaded = await loadManifest(dir);
  if (!loaded.ok) {
    throw new SymphonyError(
      "InvalidManifest",
      `Cannot install ${dir}: the manifest is invalid: ${
        loaded.problems.map(formatProblem).join("; ")
      }`,
    );
  }
  const { manifest } = loaded;
  const run = sandboxEscapes(manifest).filter((e) => e.kind === "run");
  if (run.length > 0 && options.allowRun !== true) {
    throw new SymphonyError(
      "PermissionDenied",
      `Cannot install ${manifest.id}: it asks to run programs (${
        run.map((e) => e.value).join(", ")
      }), which this host's policy never allows (the enterprise tier with allow_run)`,
    );
  }
  const files: Record<string, string> = {};
  for (const file of await checkPackage(loaded.dir)) {
    files[file] = await sha256Hex(await Deno.readFile(join(loaded.dir, file)));
  }
  return { dir: loaded.dir, manifest, files };
}

/**
 * The SHA-256 of some bytes, as lower-case hex.
 *
 * @param bytes The bytes.
 * @returns 64 hex digits.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./verify_package.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   await sha256Hex(new TextEncoder().encode("abc")),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * ```
 */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
