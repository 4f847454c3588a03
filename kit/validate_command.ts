/**
 * `symphony validate <dir or manifest> [--json]`: checks a manifest and prints
 * one line per problem.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { formatProblem, loadManifest } from "../manifest/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";

/** The help text of `validate`. */
export const VALIDATE_HELP = `Usage: symphony validate <dir or manifest> [--json]

Checks an extension's manifest (extension.toml or extension.json) and reports
every problem, one per line, as <field.path>: <message>.

Options:
  --json      print one JSON object instead of lines
  -h, --help  show this help

Exit status: 0 valid, 1 invalid or unreadable.
`;

/**
 * Runs `validate`.
 *
 * @param args The arguments after `validate`.
 * @param io Where to write.
 * @returns The exit code: 0 when valid, 1 otherwise.
 * @throws {SymphonyError} `InvalidInput` for bad arguments, `NotFound` when there is no manifest.
 *
 * @example
 * ```ts
 * import { validateCommand } from "./validate_command.ts";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io = { stdout: (text: string) => out += text, stderr: () => {} };
 * const path = new URL("../tests/fixtures/motif", import.meta.url).pathname;
 * assert.equal(await validateCommand([path], io), 0);
 * assert.match(out, /^valid: acme\.word-count@2\.0\.0 \(motif\)/);
 * ```
 */
export async function validateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(VALIDATE_HELP);
    return 0;
  }
  const [path, ...extra] = positionals;
  if (path === undefined || extra.length > 0) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot validate: expected one path, got ${positionals.length}; see symphony validate --help`,
    );
  }
  const loaded = await loadManifest(path);
  if (loaded.ok) {
    const { manifest, warnings, escapes } = loaded;
    if (values.json) {
      io.stdout(
        JSON.stringify({
          valid: true,
          file: loaded.file,
          id: manifest.id,
          version: manifest.version,
          type: manifest.type,
          warnings,
          escapes,
        }) + "\n",
      );
      return 0;
    }
    const notes = [
      ...warnings.map((w) => `warning: ${formatProblem(w)}\n`),
      ...escapes.map((e) =>
        `escapes the sandbox: ${formatProblem({ path: e.path, message: e.reason })}\n`
      ),
    ];
    io.stdout(
      `valid: ${manifest.id}@${manifest.version} (${manifest.type}) in ${loaded.file}` +
        (notes.length > 0
          ? `, ${notes.length} note${notes.length === 1 ? "" : "s"} on stderr`
          : "") +
        "\n",
    );
    io.stderr(notes.join(""));
    return 0;
  }
  const count = loaded.problems.length;
  const message = `Cannot validate ${loaded.file}: ${count} problem${count === 1 ? "" : "s"}`;
  if (values.json) {
    io.stdout(
      JSON.stringify({
        valid: false,
        file: loaded.file,
        problems: loaded.problems,
        error: { code: "InvalidManifest", message },
      }) + "\n",
    );
  } else {
    io.stdout(loaded.problems.map((p) => formatProblem(p) + "\n").join(""));
    io.stderr(`error[InvalidManifest]: ${message}\n`);
  }
  return 1;
}
