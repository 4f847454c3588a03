/**
 * The `[settings.<name>]` tables: one typed setting each, with a default that
 * satisfies its own constraints. They drive the generated settings panel.
 *
 * String settings have no `pattern`: a regular expression from an untrusted
 * manifest can take exponential time to match, and the host must never hang
 * on one.
 *
 * @module
 */
import { z } from "zod";

const common = {
  title: z.string().max(200).optional(),
  description: z.string().max(2_000).optional(),
};

function addIssue(ctx: z.core.ParsePayload<unknown>, path: PropertyKey[], message: string): void {
  ctx.issues.push({ code: "custom", input: ctx.value, path, message });
}

function checkBounds(
  ctx: z.core.ParsePayload<{ minimum?: number | undefined; maximum?: number | undefined }>,
  values: readonly number[],
): void {
  const { minimum, maximum } = ctx.value;
  if (minimum !== undefined && maximum !== undefined && minimum > maximum) {
    addIssue(ctx, ["minimum"], `minimum ${minimum} is greater than maximum ${maximum}`);
    return;
  }
  for (const value of values) {
    if (minimum !== undefined && value < minimum) {
      addIssue(ctx, ["default"], `default ${value} is below the minimum ${minimum}`);
    }
    if (maximum !== undefined && value > maximum) {
      addIssue(ctx, ["default"], `default ${value} is above the maximum ${maximum}`);
    }
  }
}

const stringSetting = z.strictObject({
  type: z.literal("string"),
  default: z.string(),
  min_length: z.int().min(0).optional(),
  max_length: z.int().min(0).optional(),
  ...common,
}).check((ctx) => {
  const { default: value, min_length, max_length } = ctx.value;
  if (min_length !== undefined && value.length < min_length) {
    addIssue(ctx, ["default"], `default is shorter than min_length ${min_length}`);
  }
  if (max_length !== undefined && value.length > max_length) {
    addIssue(ctx, ["default"], `default is longer than max_length ${max_length}`);
  }
});

const integerSetting = z.strictObject({
  type: z.literal("integer"),
  default: z.int(),
  minimum: z.int().optional(),
  maximum: z.int().optional(),
  ...common,
}).check((ctx) => checkBounds(ctx, [ctx.value.default]));

const numberSetting = z.strictObject({
  type: z.literal("number"),
  default: z.number(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  ...common,
}).check((ctx) => checkBounds(ctx, [ctx.value.default]));

const booleanSetting = z.strictObject({
  type: z.literal("boolean"),
  default: z.boolean(),
  ...common,
});

const enumSetting = z.strictObject({
  type: z.literal("enum"),
  values: z.array(z.string().min(1)).min(1, "must list at least one value"),
  default: z.string(),
  ...common,
}).check((ctx) => {
  const { values, default: value } = ctx.value;
  if (new Set(values).size !== values.length) addIssue(ctx, ["values"], "values must be unique");
  if (!values.includes(value)) {
    addIssue(
      ctx,
      ["default"],
      `default "${value}" is not one of the values ${JSON.stringify(values)}`,
    );
  }
});

const ITEM_TYPES = {
  string: (item: unknown) => typeof item === "string",
  integer: (item: unknown) => Number.isInteger(item),
  number: (item: unknown) => typeof item === "number",
  boolean: (item: unknown) => typeof item === "boolean",
} as const;

const arrayItemTypes = ["string", "integer", "number", "boolean"] as const;

const arraySetting = z.strictObject({
  type: z.literal("array"),
  items: z.strictObject({ type: z.enum(arrayItemTypes) }),
  default: z.array(z.union([z.string(), z.number(), z.boolean()])),
  min_items: z.int().min(0).optional(),
  max_items: z.int().min(0).optional(),
  ...common,
}).check((ctx) => {
  const { items, default: value, min_items, max_items } = ctx.value;
  value.forEach((item, index) => {
    if (!ITEM_TYPES[items.type](item)) {
      addIssue(ctx, ["default", index], `must be of the item type ${items.type}`);
    }
  });
  if (min_items !== undefined && value.length < min_items) {
    addIssue(ctx, ["default"], `default has fewer than min_items ${min_items} items`);
  }
  if (max_items !== undefined && value.length > max_items) {
    addIssue(ctx, ["default"], `default has more than max_items ${max_items} items`);
  }
});

/** The setting types, in the order the settings panel documents them. */
export const SETTING_TYPES = ["string", "integer", "number", "boolean", "enum", "array"] as const;

/** One setting: its type, its default and the constraints the default must meet. */
export const settingSchema = z.discriminatedUnion("type", [
  stringSetting,
  integerSetting,
  numberSetting,
  booleanSetting,
  enumSetting,
  arraySetting,
]);

/** One setting after validation. */
export type Setting = z.infer<typeof settingSchema>;

/** The `[settings]` section: setting name → setting. */
export const settingsSchema = z.record(
  z.string().regex(
    /^[A-Za-z][A-Za-z0-9_-]{0,63}$/,
    'setting names are letters, digits, "_" and "-", starting with a letter',
  ),
  settingSchema,
);

/** The `[settings]` section after validation. */
export type Settings = z.infer<typeof settingsSchema>;
