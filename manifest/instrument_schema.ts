/**
 * The `[instrument]` section: an AI/ML model, local or behind an API.
 *
 * @module
 */
import { z } from "zod";
import { jsonSchemaSchema, labelSchema } from "./_field_schemas.ts";
import { methodNameSchema } from "./operator_schema.ts";

const usd = z.number().min(0, "must not be negative").max(1_000_000);

/** The `[instrument]` section. */
export const instrumentSchema = z.strictObject({
  /** The model's name, such as `llama-3-8b`. */
  model: labelSchema,
  /** `local` runs in the extension process; `api` calls `endpoint`. */
  provider: z.enum(["local", "api"]),
  /** The API's URL; required for `api`, which must also list its host in `permissions.net`. */
  endpoint: z.url({
    protocol: /^https?$/,
    error: "must be an http(s) URL such as https://api.example.com/v1",
  })
    .optional(),
  architecture: labelSchema.optional(),
  parameters: labelSchema.optional(),
  context_window: z.int().min(1).optional(),
  /** The inference method, the one that `input` and `output` describe (such as `classify`). */
  method: methodNameSchema.optional(),
  /** The JSON schema of `method`'s input; the Conductor refuses others with `InvalidInput`. */
  input: jsonSchemaSchema.optional(),
  /** The JSON schema of `method`'s result; others fail with `InvalidOutput`. */
  output: jsonSchemaSchema.optional(),
  cost: z.strictObject({
    per_call_usd: usd.optional(),
    per_1k_input_tokens_usd: usd.optional(),
    per_1k_output_tokens_usd: usd.optional(),
    daily_budget_usd: usd.optional(),
    monthly_budget_usd: usd.optional(),
  }).optional(),
}).check((ctx) => {
  if (ctx.value.provider === "api" && ctx.value.endpoint === undefined) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      path: ["endpoint"],
      message: 'is required when provider is "api"',
    });
  }
  for (const which of ["input", "output"] as const) {
    if (ctx.value[which] !== undefined && ctx.value.method === undefined) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        path: ["method"],
        message: `is required with ${which}: name the method the schema describes`,
      });
      break;
    }
  }
  const cost = ctx.value.cost;
  if (
    cost?.daily_budget_usd !== undefined && cost.monthly_budget_usd !== undefined &&
    cost.daily_budget_usd > cost.monthly_budget_usd
  ) {
    ctx.issues.push({
      code: "custom",
      input: cost,
      path: ["cost", "daily_budget_usd"],
      message: "daily budget is larger than the monthly budget",
    });
  }
});

/** The `[instrument]` section after validation. */
export type Instrument = z.infer<typeof instrumentSchema>;
