/**
 * The `[permissions]` section: what an extension asks to reach. Every list
 * defaults to empty, which grants nothing.
 *
 * @module
 */
import { z } from "zod";
import { checkNetEntry, checkPermissionPath, SYS_NAMES } from "./permission_rules.ts";

function normalizePath(kind: "read" | "write"): (value: string, ctx: z.RefinementCtx) => string {
  return (value, ctx) => {
    const check = checkPermissionPath(value);
    if (!check.ok) {
      ctx.issues.push({ code: "custom", input: value, message: check.message });
      return z.NEVER;
    }
    if (kind === "write" && check.placeholder === "ext_dir") {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: "${ext_dir} is the extension's installed code and is never writable",
      });
      return z.NEVER;
    }
    return check.normalized;
  };
}

const netSchema = z.string().transform((value, ctx) => {
  const check = checkNetEntry(value);
  if (!check.ok) {
    ctx.issues.push({ code: "custom", input: value, message: check.message });
    return z.NEVER;
  }
  return value.toLowerCase();
});

const envSchema = z.string().regex(
  /^(?:[A-Za-z_][A-Za-z0-9_]*|\*)$/,
  'must be an environment variable name such as "LANG" (letters, digits and "_")',
);

const runSchema = z.string().min(1, "program is empty").refine(
  // deno-lint-ignore no-control-regex
  (value) => !/[,\u0000-\u001f\u007f]/.test(value),
  "program must not contain a comma or a control character",
);

/** The `[permissions]` section. */
export const permissionsSchema = z.strictObject({
  read: z.array(z.string().transform(normalizePath("read"))).default([]),
  write: z.array(z.string().transform(normalizePath("write"))).default([]),
  net: z.array(netSchema).default([]),
  env: z.array(envSchema).default([]),
  sys: z.array(z.enum(SYS_NAMES)).default([]),
  run: z.array(runSchema).default([]),
});

/** The `[permissions]` section after validation: paths normalised, every list present. */
export type Permissions = z.infer<typeof permissionsSchema>;
