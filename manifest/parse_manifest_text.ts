/**
 * Turns the text of `extension.toml` or `extension.json` into a raw manifest,
 * or a problem that says where the syntax breaks.
 *
 * @module
 */
import { parse as parseToml, TomlError } from "smol-toml";
import type { Problem } from "./problem.ts";

/** The two manifest file formats. */
export type ManifestFormat = "toml" | "json";

/** Options for {@linkcode parseManifestText}. */
export interface ParseManifestTextOptions {
  /** The file format. */
  format: ManifestFormat;
  /** The file name problems mention. Default: `extension.<format>`. */
  file?: string;
}

/** The outcome of {@linkcode parseManifestText}. */
export type ParsedManifestText =
  | { ok: true; raw: Record<string, unknown> }
  | { ok: false; problem: Problem };

/**
 * Parses manifest text. A syntax error reports the file, line and column.
 *
 * @param text The file's text.
 * @param options The format and the file name to report.
 * @returns The raw manifest, or the syntax problem.
 *
 * @example
 * ```ts
 * import { parseManifestText } from "./parse_manifest_text.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseManifestText('id = "acme.x"', { format: "toml" }), {
 *   ok: true,
 *   raw: { id: "acme.x" },
 * });
 * const broken = parseManifestText('id = "acme.x"\nname = = 1', { format: "toml" });
 * assert.equal(!broken.ok && broken.problem.path, "extension.toml:2:8");
 * ```
 */
export function parseManifestText(
  text: string,
  options: ParseManifestTextOptions,
): ParsedManifestText {
  const file = options.file ?? `extension.${options.format}`;
  if (text.trim() === "") {
    return { ok: false, problem: { path: file, message: "the file is empty" } };
  }
  let raw: unknown;
  try {
    raw = options.format === "toml" ? { ...parseToml(text) } : JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: syntaxProblem(error, file, options.format, text) };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      problem: { path: file, message: 'must hold a table of fields, such as { "id": "acme.x" }' },
    };
  }
  return { ok: true, raw: raw as Record<string, unknown> };
}

function syntaxProblem(
  error: unknown,
  file: string,
  format: ManifestFormat,
  text: string,
): Problem {
  if (error instanceof TomlError) {
    const reason = error.message.replace(/^Invalid TOML document: /, "").split("\n")[0] ?? "";
    return { path: `${file}:${error.line}:${error.column}`, message: `invalid TOML: ${reason}` };
  }
  if (error instanceof SyntaxError && format === "json") {
    const position = /position (\d+)/.exec(error.message)?.[1];
    const where = position === undefined ? file : `${file}:${lineColumn(text, Number(position))}`;
    return {
      path: where,
      // Without V8's quote of the text: the file may be something that was never a manifest.
      message: `invalid JSON: ${
        error.message.replace(
          /(, (?:\.\.\.)?".*is not valid JSON| in JSON at position \d+.*)$/s,
          "",
        )
      }`,
    };
  }
  if (error instanceof RangeError) {
    return { path: file, message: `cannot be read: it is nested too deeply` };
  }
  const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return { path: file, message: `cannot be parsed as ${format.toUpperCase()}: ${reason}` };
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `${line}:${column}`;
}
