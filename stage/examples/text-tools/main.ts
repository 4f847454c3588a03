/**
 * Text Tools, an example operator: counts and tidies text files in the
 * workspace. It asks only to read `${workspace}`; the sandbox, not this code,
 * refuses a path outside it, and the host checks every input and result
 * against the schemas declared in `extension.toml`.
 *
 * - `stats` `{ path }` → `{ path, lines, words, chars, bytes }`
 * - `normalize` `{ path, save? }` → `{ text, changed, trimmed_lines, saved_to? }`
 *
 * The SDK is imported for its types only: type imports are erased, so the
 * installed copy runs without the SDK beside it.
 *
 * @module
 */
import { basename, dirname, isAbsolute, relative, resolve } from "node:path";
import type { CallContext, ExtensionContext, Handlers } from "@symphony/sdk";

/** The result of `stats`. */
export interface TextStats {
  /** The path as the caller gave it. */
  path: string;
  /** Lines, the last one counted even without a final newline. */
  lines: number;
  /** Runs of non-whitespace, as `wc -w` counts them. */
  words: number;
  /** Unicode code points. */
  chars: number;
  /** UTF-8 bytes. */
  bytes: number;
}

/** The result of `normalize`. */
export interface Normalized {
  /** The normalized text. */
  text: string;
  /** Whether it differs from the file. */
  changed: boolean;
  /** How many lines lost trailing whitespace. */
  trimmed_lines: number;
  /** Where it was written, with `save: true`. */
  saved_to?: string;
}

/**
 * Counts the lines, words, characters and bytes of a text.
 *
 * @param text The text.
 * @returns The counts.
 */
export function countText(text: string): Omit<TextStats, "path"> {
  const newlines = text.match(/\n/g)?.length ?? 0;
  return {
    lines: text === "" ? 0 : newlines + (text.endsWith("\n") ? 0 : 1),
    words: text.match(/\S+/gu)?.length ?? 0,
    chars: [...text].length,
    bytes: new TextEncoder().encode(text).byteLength,
  };
}

/**
 * Trims trailing whitespace from every line, turns CRLF and CR into LF, and
 * ends a non-empty text with exactly one newline.
 *
 * @param text The text.
 * @returns The normalized text and how many lines were trimmed.
 */
export function normalizeText(text: string): { text: string; trimmed: number } {
  let trimmed = 0;
  const lines = text.replace(/\r\n?/g, "\n").split("\n").map((line) => {
    const kept = line.replace(/\s+$/u, "");
    if (kept !== line) trimmed++;
    return kept;
  });
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return { text: lines.length === 0 ? "" : `${lines.join("\n")}\n`, trimmed };
}

/**
 * Starts the operator.
 *
 * @param ctx The extension's context.
 * @returns The `stats` and `normalize` handlers.
 */
export function activate(ctx: ExtensionContext): Handlers {
  // Paths are relative to the workspace; an absolute one is taken as it is.
  const locate = (path: string): string => resolve(ctx.workspace, path);

  const readText = async (file: string, call: CallContext): Promise<Uint8Array> => {
    const limit = Number(ctx.settings.get("max_bytes"));
    const { size, isFile } = await Deno.stat(file);
    if (!isFile) throw new Error(`Cannot read ${file}: it is not a file`);
    if (size > limit) {
      throw new Error(`Cannot read ${file}: it holds ${size} bytes, past max_bytes (${limit})`);
    }
    return await Deno.readFile(file, { signal: call.signal });
  };

  const decode = (file: string, bytes: Uint8Array): string => {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (error) {
      throw new Error(`Cannot read ${file}: it is not UTF-8 text`, { cause: error });
    }
  };

  return {
    stats: async (input, call): Promise<TextStats> => {
      const { path } = input as { path: string };
      const file = locate(path);
      return { path, ...countText(decode(file, await readText(file, call))) };
    },

    normalize: async (input, call): Promise<Normalized> => {
      const { path, save = false } = input as { path: string; save?: boolean };
      const file = locate(path);
      const original = decode(file, await readText(file, call));
      const { text, trimmed } = normalizeText(original);
      const result: Normalized = { text, changed: text !== original, trimmed_lines: trimmed };
      if (save) {
        const inside = relative(ctx.workspace, file);
        const outside = inside === ".." || inside.startsWith("../") || isAbsolute(inside);
        const name = outside ? basename(file) : inside;
        const target = resolve(ctx.dataDir, "normalized", name);
        await Deno.mkdir(dirname(target), { recursive: true });
        await Deno.writeTextFile(target, text, { signal: call.signal });
        result.saved_to = target;
      }
      return result;
    },
  };
}
