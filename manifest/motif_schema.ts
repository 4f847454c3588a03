/**
 * The `[motif]` section: UI contributions (panels, commands, keybindings,
 * themes).
 *
 * @module
 */
import { z } from "zod";
import { labelSchema, relativeFileSchema } from "./_field_schemas.ts";

const contributionId = z.string().regex(
  /^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)*$/,
  'must be lower-case names separated by dots, such as "acme.hello"',
);

const MODIFIERS = ["ctrl", "alt", "shift", "meta", "cmd"];
const KEY =
  /^(?:[a-z0-9]|f(?:[1-9]|1[0-9]|2[0-4])|enter|escape|tab|space|backspace|delete|insert|home|end|pageup|pagedown|up|down|left|right|[`\-=[\];',./\\])$/;

/** A key chord such as `ctrl+alt+h`: modifiers, then one key. */
const keybinding = z.string().check((ctx) => {
  const parts = ctx.value.toLowerCase().split("+");
  const key = parts.pop() ?? "";
  const badModifier = parts.find((part) => !MODIFIERS.includes(part));
  const message = badModifier !== undefined
    ? `"${badModifier}" is not a modifier (${MODIFIERS.join(", ")})`
    : new Set(parts).size !== parts.length
    ? "a modifier is repeated"
    : !KEY.test(key)
    ? `"${key}" is not a key; write chords such as "ctrl+alt+h"`
    : undefined;
  if (message !== undefined) ctx.issues.push({ code: "custom", input: ctx.value, message });
});

const panelSchema = z.strictObject({
  id: contributionId,
  title: labelSchema,
  location: z.enum(["sidebar", "panel", "editor", "statusbar", "toolbar"]),
  icon: relativeFileSchema.optional(),
});

const commandSchema = z.strictObject({
  id: contributionId,
  title: labelSchema,
  keybinding: keybinding.optional(),
});

const keybindingSchema = z.strictObject({
  key: keybinding,
  command: contributionId,
  when: z.string().max(500).optional(),
});

const themeSchema = z.strictObject({
  id: contributionId,
  label: labelSchema,
  kind: z.enum(["light", "dark", "high-contrast"]),
  path: relativeFileSchema,
});

function checkUnique(
  ctx: z.core.ParsePayload<unknown>,
  list: readonly { id: string }[],
  section: string,
): void {
  const seen = new Set<string>();
  list.forEach((item, index) => {
    if (seen.has(item.id)) {
      ctx.issues.push({
        code: "custom",
        input: item.id,
        path: [section, index, "id"],
        message: `"${item.id}" is declared twice`,
      });
    }
    seen.add(item.id);
  });
}

/** The `[motif]` section. */
export const motifSchema = z.strictObject({
  panels: z.array(panelSchema).default([]),
  commands: z.array(commandSchema).default([]),
  keybindings: z.array(keybindingSchema).default([]),
  themes: z.array(themeSchema).default([]),
}).check((ctx) => {
  const { panels, commands, keybindings, themes } = ctx.value;
  checkUnique(ctx, panels, "panels");
  checkUnique(ctx, commands, "commands");
  checkUnique(ctx, themes, "themes");
  const commandIds = new Set(commands.map((c) => c.id));
  keybindings.forEach((binding, index) => {
    if (!commandIds.has(binding.command)) {
      ctx.issues.push({
        code: "custom",
        input: binding.command,
        path: ["keybindings", index, "command"],
        message: `"${binding.command}" is not one of this motif's commands`,
      });
    }
  });
  if (panels.length + commands.length + keybindings.length + themes.length === 0) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: "a motif must contribute at least one panel, command, keybinding or theme",
    });
  }
});

/** The `[motif]` section after validation. */
export type Motif = z.infer<typeof motifSchema>;
