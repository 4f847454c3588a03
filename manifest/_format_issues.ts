// Turns zod issues into problems a person can act on.
import type { z } from "zod";
import { eventsSchema } from "./events_schema.ts";
import { instrumentSchema } from "./instrument_schema.ts";
import { manifestSchema } from "./manifest_schema.ts";
import { motifSchema } from "./motif_schema.ts";
import { operatorSchema } from "./operator_schema.ts";
import { permissionsSchema } from "./permissions_schema.ts";
import { formatFieldPath, type Problem } from "./problem.ts";
import { resourcesSchema } from "./resources_schema.ts";

// The keys of each section, to suggest the intended key for a typo.
const KNOWN_KEYS: Record<string, readonly string[]> = {
  "": Object.keys(manifestSchema.shape),
  permissions: Object.keys(permissionsSchema.shape),
  resources: Object.keys(resourcesSchema.shape),
  events: Object.keys(eventsSchema.shape),
  instrument: Object.keys(instrumentSchema.shape),
  operator: Object.keys(operatorSchema.shape),
  motif: Object.keys(motifSchema.shape),
};

export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  base: PropertyKey[] = [],
): Problem[] {
  return issues.flatMap((issue) => formatIssue(issue, [...base, ...issue.path]));
}

function formatIssue(issue: z.core.$ZodIssue, path: PropertyKey[]): Problem[] {
  const at = (
    message: string,
    where = path,
  ): Problem[] => [{ path: formatFieldPath(where), message }];
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? at("is required")
        : at(`expected ${article(issue.expected)}, got ${describe(issue.input)}`);
    case "unrecognized_keys":
      return issue.keys.flatMap((key) => at(`unknown key${suggestion(key, path)}`, [...path, key]));
    case "invalid_value":
      if (issue.input === undefined) {
        return at(`is required: one of ${issue.values.map(show).join(", ")}`);
      }
      return at(
        issue.values.length === 1
          ? `must be ${show(issue.values[0])}, got ${describe(issue.input)}`
          : `must be one of ${issue.values.map(show).join(", ")}; got ${describe(issue.input)}`,
      );
    case "invalid_union": {
      if (issue.discriminator !== undefined) {
        const input = issue.input as Record<string, unknown> | undefined;
        const options = ((issue as { options?: unknown[] }).options ?? []).map(show).join(", ");
        return at(`must be one of ${options}; got ${describe(input?.[issue.discriminator])}`);
      }
      return at(`has the wrong type: got ${describe(issue.input)}`);
    }
    case "invalid_key":
      return issue.issues.flatMap((inner) =>
        at(`invalid key: ${formatIssue(inner, []).map((p) => p.message).join("; ")}`)
      );
    case "invalid_element":
      return issue.issues.flatMap((inner) => formatIssue(inner, [...path, ...inner.path]));
    case "too_small":
    case "too_big":
      return at(isDefaultMessage(issue.message) ? bound(issue) : issue.message);
    case "invalid_format":
      return at(
        isDefaultMessage(issue.message) ? `must be a valid ${issue.format}` : issue.message,
      );
    default:
      return at(issue.message);
  }
}

function isDefaultMessage(message: string): boolean {
  return /^(Too (small|big)|Invalid)\b/.test(message);
}

function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === "too_small";
  const limit = small ? issue.minimum : issue.maximum;
  const relation = issue.inclusive === false
    ? (small ? "greater than" : "less than")
    : (small ? "at least" : "at most");
  switch (issue.origin) {
    case "string":
      return `must be ${relation} ${limit} characters long`;
    case "array":
    case "set":
      return `must have ${relation} ${limit} items`;
    default:
      return `must be ${relation} ${limit}, got ${describe(issue.input)}`;
  }
}

function article(expected: string): string {
  if (expected === "int") return "an integer";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "a table";
  if (typeof value === "number" && Number.isNaN(value)) return "nan";
  return `${typeof value} ${show(value)}`;
}

function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function suggestion(key: string, path: readonly PropertyKey[]): string {
  const section = path.length === 0 ? "" : path.length === 1 ? String(path[0]) : undefined;
  const known = section === undefined ? undefined : KNOWN_KEYS[section];
  if (known === undefined) return "";
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best === undefined ? "" : ` (did you mean "${best}"?)`;
}

// Levenshtein distance, for typo suggestions on short keys.
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64) return Infinity;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = row;
  }
  return previous[b.length] ?? Infinity;
}
