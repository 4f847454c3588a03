/**
 * `symphony settings <id> [show | set <name> <json> | unset <name> | export |
 * import <file>] [--level system|user|workspace]`: an extension's settings,
 * merged from the manifest's defaults and three levels. Every value is checked
 * against the manifest's settings schema; a bad one is refused, never stored.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { SETTING_LEVELS, type SettingLevel } from "../conductor/mod.ts";
import { checkSettingValue } from "../manifest/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor } from "./host_options.ts";
import { terminalText } from "./terminal_text.ts";

/** The help text of `settings`. */
export const SETTINGS_HELP = `Usage: symphony settings <id> [show]
       symphony settings <id> set <name> <JSON value> [--level LEVEL]
       symphony settings <id> unset <name> [--level LEVEL]
       symphony settings <id> export
       symphony settings <id> import <file.json>

An extension's settings: the manifest's defaults, overridden by the system,
user and workspace levels in that order. A value is checked against the
manifest's settings schema and refused, with the setting and the reason,
when it does not fit. A running extension sees a change at once.

Options:
  --level LEVEL    ${SETTING_LEVELS.join(", ")} (default: user)
  --json           machine-readable output
${HOST_OPTIONS_HELP}
  -h, --help       show this help

export prints {"levels": {...}} as JSON; import takes the same and replaces
every level it names.

Exit status: 0 ok, 1 error.
`;

/**
 * Runs `settings`.
 *
 * @param args The arguments after `settings`.
 * @param io Where to write.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { settingsCommand } from "./settings_command.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(settingsCommand(["acme.x", "set", "indent", "2", "--level", "team"], { stdout() {}, stderr() {} }), /unknown level/);
 * ```
 */
export async function settingsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      level: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...HOST_OPTIONS,
    },
    allowPositionals: true,
  });
  if (values.help) return (io.stdout(SETTINGS_HELP), 0);
  const [id, action = "show", ...rest] = positionals;
  if (id === undefined) {
    throw new SymphonyError("InvalidInput", "Cannot show settings: expected <id>");
  }
  const level = (values.level ?? "user") as SettingLevel;
  if (!(SETTING_LEVELS as readonly string[]).includes(level)) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot change settings: unknown level "${level}"; levels: ${SETTING_LEVELS.join(", ")}`,
    );
  }
  const expect = (count: number, usage: string): void => {
    if (rest.length !== count) {
      throw new SymphonyError("InvalidInput", `Cannot ${action} settings: expected ${usage}`);
    }
  };
  await using conductor = hostConductor(values, io);
  switch (action) {
    case "show": {
      expect(0, "nothing after show");
      const { merged, levels } = await conductor.settings(id);
      if (values.json) return (io.stdout(JSON.stringify({ merged, levels }) + "\n"), 0);
      for (const [name, value] of Object.entries(merged)) {
        const from = SETTING_LEVELS.toReversed().find((l) =>
          levels[l] !== undefined && name in levels[l]
        );
        io.stdout(`${name} = ${terminalText(JSON.stringify(value))}  (${from ?? "default"})\n`);
      }
      if (Object.keys(merged).length === 0) io.stdout(`${id} has no settings\n`);
      return 0;
    }
    case "set": {
      expect(2, "<name> <JSON value>");
      const [name = "", text = ""] = rest;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        // A bare word is a string: set theme dark.
        value = text;
      }
      await conductor.setSettings(id, level, { [name]: value });
      io.stdout(
        `set ${id} ${name} = ${terminalText(JSON.stringify(value))} at the ${level} level\n`,
      );
      return 0;
    }
    case "unset": {
      expect(1, "<name>");
      const [name = ""] = rest;
      await conductor.setSettings(id, level, { [name]: undefined });
      io.stdout(`unset ${id} ${name} at the ${level} level\n`);
      return 0;
    }
    case "export": {
      expect(0, "nothing after export");
      const { levels } = await conductor.settings(id);
      io.stdout(JSON.stringify({ levels }, null, 2) + "\n");
      return 0;
    }
    case "import": {
      expect(1, "<file.json>");
      let levels: Record<string, unknown>;
      try {
        levels = (JSON.parse(await Deno.readTextFile(rest[0] ?? "")) as {
          levels: Record<string, unknown>;
        }).levels;
        if (typeof levels !== "object" || levels === null) throw new TypeError("no levels");
      } catch (cause) {
        throw new SymphonyError(
          "InvalidInput",
          `Cannot import settings: ${rest[0]} is not an export ({"levels": {...}})`,
          { cause },
        );
      }
      // Everything is checked before anything is stored.
      const { manifest } = await conductor.get(id);
      for (const [name, at] of Object.entries(levels)) {
        if (!(SETTING_LEVELS as readonly string[]).includes(name)) {
          throw new SymphonyError(
            "InvalidInput",
            `Cannot import settings: unknown level "${name}"`,
          );
        }
        for (const [key, value] of Object.entries(at as Record<string, unknown>)) {
          const setting = manifest.settings[key];
          const problem = setting === undefined
            ? `${id} has no such setting`
            : checkSettingValue(setting, value);
          if (problem !== undefined) {
            throw new SymphonyError(
              "InvalidInput",
              `Cannot import settings: ${name} settings.${key}: ${problem}; nothing was imported`,
            );
          }
        }
      }
      for (const [name, at] of Object.entries(levels)) {
        const current = (await conductor.settings(id)).levels[name as SettingLevel] ?? {};
        // Replace the level: clear what the import does not set.
        const replacement: Record<string, unknown> = Object.fromEntries(
          Object.keys(current).map((key) => [key, undefined]),
        );
        Object.assign(replacement, at as Record<string, unknown>);
        await conductor.setSettings(id, name as SettingLevel, replacement);
      }
      io.stdout(`imported the settings of ${id}\n`);
      return 0;
    }
    default:
      throw new SymphonyError(
        "InvalidInput",
        `Cannot run settings ${action}: expected show, set, unset, export or import`,
      );
  }
}
