// What the Artifact Store accepts from extensions: the zod schemas of its
// inputs (the source of the option types) and their check, which turns a
// rejection into a SymphonyError("InvalidInput").
import { z } from "zod";
import { SymphonyError } from "../symphony_error.ts";

// Controls, invisible format characters (bidi overrides, zero-width spaces),
// line and paragraph separators and lone surrogates: a name holding one could
// hide what it says, and "\n" separates the parts of an access key.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** The longest namespace, name or producer, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 256;

/** The most bytes one `read()` returns; larger ranges are streamed with `open()`. */
export const MAX_READ_LENGTH = 16 * 1024 * 1024;

function label(max: number): z.ZodString {
  return z.string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters long`)
    .refine((value) => !UNSAFE.test(value) && value.isWellFormed(), {
      message: "must not contain control or invisible characters",
    });
}

/** A namespace (an extension id), an artifact name or a producer. */
export const nameSchema: z.ZodString = label(MAX_NAME_LENGTH);

const tagSchema = label(64);

/** A SHA-256 digest in lowercase hex: an artifact's id. */
export const idSchema: z.ZodString = z.string().regex(/^[0-9a-f]{64}$/, {
  message: "must be a SHA-256 digest in lowercase hex (64 characters)",
});

/** The metadata of a new version, as `put()` takes it. */
export const putOptionsSchema = z.object({
  /** The artifact's name in its namespace; each put adds the next version of it. */
  name: nameSchema,
  /** What made it (an extension id, a workflow step). */
  producer: nameSchema,
  /** The content's media type. Default: `application/octet-stream`. */
  mediaType: z.string()
    .max(255, "must be at most 255 characters long")
    .regex(/^[\w.+-]+\/[\w.+-]+(?:;[ \w.+="-]*)*$/, {
      message: 'must be a media type such as "text/plain" or "application/json"',
    })
    .default("application/octet-stream"),
  /** Labels to search by (at most 32, duplicates dropped). Default: none. */
  tags: z.array(tagSchema).max(32, "must have at most 32 items").default([])
    .transform((tags) => [...new Set(tags)]),
  /** A quality score from 0 (worst) to 1 (best). Default: none. */
  quality: z.number().min(0, "must be at least 0").max(1, "must be at most 1").optional(),
  /** Aborts the write; nothing is stored. */
  signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal, {
    message: "must be an AbortSignal",
  }).optional(),
}).strict();

/** What `search()` filters by; every filter given must match. */
export const searchQuerySchema = z.object({
  /** Names starting with this text (case-sensitive; `%` and `_` are plain characters). */
  namePrefix: z.string().max(MAX_NAME_LENGTH).optional(),
  /** Versions carrying this tag. */
  tag: tagSchema.optional(),
  /** Versions made by this producer. */
  producer: nameSchema.optional(),
  /** Versions created at or after this time (ms since the epoch). */
  since: z.number().refine(Number.isFinite, "must be a finite number").optional(),
  /** Versions created before this time (ms since the epoch). */
  until: z.number().refine(Number.isFinite, "must be a finite number").optional(),
  /** The most versions returned, newest first, 1 to 10,000. Default: 100. */
  limit: z.int().min(1, "must be at least 1").max(10_000, "must be at most 10000")
    .default(100),
}).strict();

/** A byte range of an artifact. */
export const rangeSchema = z.object({
  /** The first byte. Default: 0. */
  offset: z.int().min(0, "must be at least 0").default(0),
  /** How many bytes at most. Default: to the end (`open`), required for `read`. */
  length: z.int().min(0, "must be at least 0").optional(),
}).strict();

/**
 * Checks an input against its schema.
 *
 * @returns The parsed value, defaults filled in.
 * @throws {SymphonyError} `InvalidInput` naming the first wrong field.
 */
export function check<T extends z.ZodType>(
  schema: T,
  value: unknown,
  action: string,
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? "" : `${issue.path.join(".")} `;
  throw new SymphonyError(
    "InvalidInput",
    `Cannot ${action}: ${where}${issue?.message ?? "is invalid"}`,
    { cause: result.error },
  );
}

/**
 * Checks a namespace, a name or an owner.
 *
 * @returns The value.
 * @throws {SymphonyError} `InvalidInput` when it is empty, too long or holds control characters.
 */
export function checkName(value: unknown, what: string): string {
  const result = nameSchema.safeParse(value);
  if (result.success) return result.data;
  const shown = JSON.stringify(value) ?? String(value);
  throw new SymphonyError(
    "InvalidInput",
    `Cannot use the ${what} ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}: ${
      result.error.issues[0]?.message ?? "is invalid"
    }`,
    { cause: result.error },
  );
}

/**
 * Checks a version number.
 *
 * @throws {SymphonyError} `InvalidInput` unless it is a positive integer.
 */
export function checkVersion(version: unknown, action: string): number {
  if (typeof version === "number" && Number.isSafeInteger(version) && version >= 1) return version;
  throw new SymphonyError(
    "InvalidInput",
    `Cannot ${action} the artifact: version must be a positive integer, got ${String(version)}`,
  );
}

/**
 * Checks a byte range of content of `size` bytes.
 *
 * @throws {SymphonyError} `InvalidInput` for a bad range or an offset past the end.
 */
export function checkRange(
  range: unknown,
  content: { id: string; size: number },
  action: string,
): { offset: number; length: number | undefined } {
  const { offset, length } = check(rangeSchema, range, `${action} artifact ${content.id}`);
  if (offset > content.size) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot ${action} artifact ${content.id}: offset ${offset} is past its end (${content.size} bytes)`,
    );
  }
  return { offset, length };
}
