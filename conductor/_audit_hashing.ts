/**
 * What an audit record's hash is computed over, and the digest itself:
 * shared by {@linkcode AuditTrail} and by the workers that verify a chain.
 *
 * @module
 */

/**
 * A JSON encoding with object keys sorted at every level (the implementation
 * of `canonicalJson` in `audit_trail.ts`, which documents it).
 *
 * @param value A JSON value.
 * @returns Its canonical JSON text.
 */
export function canonicalText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalText).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalText(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The fields of a record that are hashed besides its detail. */
export interface HashedFields {
  seq: number;
  at: string;
  kind: string;
  extension?: string | null | undefined;
  actor: string;
  prevHash: string;
}

/**
 * The text a record's hash is computed over: canonical JSON of `{ seq, at,
 * kind, extension, actor, detail, prevHash }`, written out in its key order
 * (actor, at, detail, extension, kind, prevHash, seq) rather than sorted for
 * every record.
 *
 * @param fields The record's fields.
 * @param detail Its detail as canonical JSON text.
 * @returns The text to hash.
 */
export function recordText(fields: HashedFields, detail: string): string {
  return `{"actor":${JSON.stringify(fields.actor)},"at":${
    JSON.stringify(fields.at)
  },"detail":${detail},"extension":${JSON.stringify(fields.extension ?? null)},"kind":${
    JSON.stringify(fields.kind)
  },"prevHash":${JSON.stringify(fields.prevHash)},"seq":${JSON.stringify(fields.seq)}}`;
}

const encoder = new TextEncoder();
// Encoded into for every digest: crypto.subtle.digest takes a copy of its
// input before it returns (WebCrypto, digest step 2), so it can be reused at once.
let scratch = new Uint8Array(16 * 1024);

/**
 * SHA-256 (WebCrypto) of a text's UTF-8 bytes.
 *
 * @param text The text.
 * @returns The digest.
 */
export function sha256(text: string): Promise<ArrayBuffer> {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  return crypto.subtle.digest("SHA-256", scratch.subarray(0, written));
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
// The character codes of each byte's two hex digits, high digit first.
const HEX_CODES = HEX.map((pair) => (pair.charCodeAt(0) << 8) | pair.charCodeAt(1));

/**
 * A digest as lowercase hex.
 *
 * @param digest The digest.
 * @returns Its hex.
 */
export function hexOf(digest: ArrayBuffer): string {
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += HEX[byte];
  return hex;
}

/**
 * Whether a digest is the one a lowercase hex text spells, without building
 * the digest's hex.
 *
 * @param digest The digest.
 * @param hex The stored hex.
 * @returns True when they are the same.
 */
export function isHexOf(digest: ArrayBuffer, hex: string): boolean {
  const bytes = new Uint8Array(digest);
  if (hex.length !== bytes.length * 2) return false;
  for (let i = 0; i < bytes.length; i++) {
    const codes = HEX_CODES[bytes[i] ?? 0] ?? 0;
    if (hex.charCodeAt(2 * i) !== codes >> 8 || hex.charCodeAt(2 * i + 1) !== (codes & 0xff)) {
      return false;
    }
  }
  return true;
}
