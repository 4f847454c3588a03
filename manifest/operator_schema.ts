/**
 * The `[operator]` section: utility functions with typed input and output.
 *
 * @module
 */
import { z } from "zod";
import { jsonSchemaSchema } from "./_field_schemas.ts";

/** A method name: an identifier, the handler's key in what `activate` returns. */
export const methodNameSchema = z.string().regex(
  /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
  'must be an identifier such as "format" (letters, digits and "_")',
);

const functionSchema = z.strictObject({
  /** The method name callers use; also the handler's key in what `activate` returns. */
  name: methodNameSchema,
  description: z.string().max(2_000).optional(),
  input: jsonSchemaSchema.optional(),
  output: jsonSchemaSchema.optional(),
  /** Whether the function accepts a batch of inputs at once. */
  batch: z.boolean().optional(),
});

/** The `[operator]` section. */
export const operatorSchema = z.strictObject({
  functions: z.array(functionSchema).min(1, "must declare at least one function"),
  batch: z.strictObject({
    max_size: z.int().min(1).max(100_000),
    max_wait_ms: z.int().min(0).max(60_000).default(0),
  }).optional(),
  retry: z.strictObject({
    max_attempts: z.int().min(1).max(10),
    backoff_ms: z.int().min(0).max(600_000).default(100),
    multiplier: z.number().min(1).max(10).default(2),
    max_backoff_ms: z.int().min(0).max(3_600_000).optional(),
  }).optional(),
}).check((ctx) => {
  const seen = new Set<string>();
  ctx.value.functions.forEach((fn, index) => {
    if (seen.has(fn.name)) {
      ctx.issues.push({
        code: "custom",
        input: fn.name,
        path: ["functions", index, "name"],
        message: `function "${fn.name}" is declared twice`,
      });
    }
    seen.add(fn.name);
  });
  const retry = ctx.value.retry;
  if (retry?.max_backoff_ms !== undefined && retry.max_backoff_ms < retry.backoff_ms) {
    ctx.issues.push({
      code: "custom",
      input: retry.max_backoff_ms,
      path: ["retry", "max_backoff_ms"],
      message: `must be at least backoff_ms (${retry.backoff_ms})`,
    });
  }
});

/** The `[operator]` section after validation. */
export type Operator = z.infer<typeof operatorSchema>;
