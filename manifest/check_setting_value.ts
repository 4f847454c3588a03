/**
 * Checks a value for one setting against the constraints its manifest
 * declares, with the same schema that checks the setting's default.
 *
 * @module
 */
import { type Setting, settingSchema } from "./settings_schema.ts";

/**
 * Checks a setting's value.
 *
 * @param setting The setting, from the manifest.
 * @param value A candidate value.
 * @returns Why the value is refused, or undefined when it is valid.
 *
 * @example
 * ```ts
 * import { checkSettingValue } from "./check_setting_value.ts";
 * import assert from "node:assert/strict";
 *
 * const indent = { type: "integer" as const, default: 2, minimum: 0, maximum: 8 };
 * assert.equal(checkSettingValue(indent, 4), undefined);
 * assert.equal(checkSettingValue(indent, 9), "9 is above the maximum 8");
 * assert.match(checkSettingValue(indent, "4") ?? "", /expected number/);
 * ```
 */
export function checkSettingValue(setting: Setting, value: unknown): string | undefined {
  const result = settingSchema.safeParse({ ...setting, default: value });
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  if (issue === undefined) return "the value is not valid";
  const at = issue.path.slice(1).join(".");
  // The schema speaks of the default; here it is the value being set.
  let message = issue.message.replace(/^default /, "");
  if (/^(is|has) /.test(message)) message = `${JSON.stringify(value)} ${message}`;
  return at === "" ? message : `[${at}]: ${message}`;
}
