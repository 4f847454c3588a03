/**
 * The `[permissions]` section: what an extension asks to reach. Every list
 * defaults to empty, which grants nothing.
 *
 * @module
 */
import { z } from "zod";
import { unsafeCharacters } from "./_unsafe_characters.ts";
import { checkNetEntry } from "./check_net_entry.ts";
import { checkPermissionPath } from "./check_permission_path.ts";

/** The names Deno accepts for `--allow-sys`. */
export const SYS_NAMES = [
  "hostname",
  "osRelease",
  "osUptime",
  "loadavg",
  "networkInterfaces",
  "systemMemoryInfo",
  "uid",
  "gid",
  "username",
  "cpus",
  "homedir",
  "statfs",
  "getPriority",
  "setPriority",
] as const;

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
  return check.normalized;
});

const envSchema = z.string().regex(
  /^(?:[A-Za-z_][A-Za-z0-9_]*|\*)$/,
  'must be an environment variable name such as "LANG" (letters, digits and "_")',
);

const runSchema = z.string().min(1, "program is empty").check((ctx) => {
  const bad = unsafeCharacters(ctx.value, "program") ??
    (ctx.value.includes(",") ? "program must not contain a comma" : undefined);
  if (bad !== undefined) ctx.issues.push({ code: "custom", input: ctx.value, message: bad });
});

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
