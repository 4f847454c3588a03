/**
 * The tree a motif panel answers with, checked before it reaches the
 * browser: only the allowed node types, each with its own props, strings
 * capped, no event-handler, raw-HTML or URL props, no `javascript:` value,
 * at most {@linkcode MAX_MOTIF_DEPTH} levels and {@linkcode MAX_MOTIF_NODES}
 * nodes. Anything else is refused with `InvalidOutput` naming the first
 * problem, never passed through.
 *
 * @module
 */
import { z } from "zod";
import { SymphonyError } from "../../symphony_error.ts";

/** The deepest a tree may be: the root is level 1. */
export const MAX_MOTIF_DEPTH = 20;
/** The most nodes a tree may have. */
export const MAX_MOTIF_NODES = 2_000;
/** The longest string anywhere in a tree (a text node's text). */
const MAX_TEXT = 10_000;
/** The most characters of all the strings of a tree together. */
const MAX_TOTAL_CHARS = 500_000;
const MAX_LABEL = 200;

const label = z.string().max(MAX_LABEL);
const text = z.string().max(MAX_TEXT);
/** What a button or an input is called in the events it sends back. */
const controlId = z.string().regex(
  /^[A-Za-z0-9_.:-]{1,100}$/,
  "must be 1-100 of A-Z a-z 0-9 _ . : -",
);
const cell = z.union([z.string().max(1_000), z.number().finite(), z.boolean(), z.null()]);

/** Each node type's props. */
const PROPS = {
  text: z.strictObject({ text }),
  heading: z.strictObject({ text: label, level: z.int().min(1).max(6).optional() }),
  button: z.strictObject({ label, id: controlId }),
  input: z.strictObject({ id: controlId, label, value: z.string().max(MAX_TEXT).optional() }),
  list: z.strictObject({ items: z.array(z.string().max(1_000)).max(500) }),
  table: z.strictObject({
    columns: z.array(label).max(50),
    rows: z.array(z.array(cell).max(50)).max(500),
  }),
  badge: z.strictObject({
    text: label,
    tone: z.enum(["neutral", "info", "ok", "warn", "bad"]).optional(),
  }),
  progress: z.strictObject({ value: z.number().min(0).max(1), label: label.optional() }),
  chart: z.strictObject({
    points: z.array(z.number().finite()).max(1_000),
    label: label.optional(),
  }),
} as const;

/** The node types a motif may use. */
export const MOTIF_NODE_TYPES = Object.keys(PROPS) as (keyof typeof PROPS)[];

/** One node of a panel's tree. */
export type MotifNode =
  & { [T in keyof typeof PROPS]: { type: T; props: z.infer<typeof PROPS[T]> } }[keyof typeof PROPS]
  & { children?: MotifNode[] };

const children: z.ZodType<MotifNode[]> = z.lazy(() => z.array(motifNode).max(MAX_MOTIF_NODES));
function node<T extends keyof typeof PROPS>(type: T): z.ZodObject {
  return z.strictObject({
    type: z.literal(type),
    props: PROPS[type],
    children: children.optional(),
  });
}
const motifNode: z.ZodType<MotifNode> = z.discriminatedUnion("type", [
  node("text"),
  node("heading"),
  node("button"),
  node("input"),
  node("list"),
  node("table"),
  node("badge"),
  node("progress"),
  node("chart"),
]) as z.ZodType<unknown> as z.ZodType<MotifNode>; // node() erases each type to ZodObject

const HTML_PROPS = new Set(["dangerouslysetinnerhtml", "innerhtml", "outerhtml", "html", "srcdoc"]);
const URL_PROPS = new Set(["href", "src", "srcset", "action", "formaction", "xlink:href", "url"]);
/** A script URL, also when spelt with spaces or control characters inside. */
const SCRIPT_URL = /(?:java|vb)\s*s\s*c\s*r\s*i\s*p\s*t\s*:/i;

/**
 * Checks a motif's answer.
 *
 * @param value What the motif's `render` or `event` method returned.
 * @param what Whose answer it is, for the message: `acme.stats render`.
 * @returns The tree, fit to send to the browser.
 * @throws {SymphonyError} `InvalidOutput` naming the first problem: its path
 *   (`$.children[2].props`) and why.
 *
 * @example A script node is refused
 * ```ts
 * import { motifTree } from "./_motif_tree.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(motifTree({ type: "text", props: { text: "hi" } }, "acme.x render"), {
 *   type: "text",
 *   props: { text: "hi" },
 * });
 * assert.throws(() => motifTree({ type: "script", props: {} }, "acme.x render"), /\$\.type: Invalid discriminator/);
 * ```
 */
export function motifTree(value: unknown, what: string): MotifNode {
  const refuse = (path: string, why: string): never => {
    throw new SymphonyError("InvalidOutput", `Cannot show the panel of ${what}: ${path}: ${why}`);
  };
  scan(value, refuse);
  const result = motifNode.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  return refuse(pathText(issue?.path ?? []), issue?.message ?? "not a panel tree");
}

type Refuse = (path: string, why: string) => never;

/**
 * The checks zod would report late or slowly: size, depth and the hostile
 * props and values, walked without recursion so that a deep tree cannot
 * overflow the stack.
 */
function scan(root: unknown, refuse: Refuse): void {
  const stack: { node: unknown; path: string; depth: number }[] = [
    { node: root, path: "$", depth: 1 },
  ];
  let nodes = 0;
  const chars = { total: 0 };
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { node, path, depth } = next;
    if (++nodes > MAX_MOTIF_NODES) refuse(path, `the tree has over ${MAX_MOTIF_NODES} nodes`);
    if (depth > MAX_MOTIF_DEPTH) refuse(path, `the tree is over ${MAX_MOTIF_DEPTH} levels deep`);
    if (typeof node !== "object" || node === null || Array.isArray(node)) continue;
    const record = node as Record<string, unknown>;
    scanProps(record["props"], `${path}.props`, chars, refuse);
    const kids = record["children"];
    if (!Array.isArray(kids)) continue;
    if (kids.length > MAX_MOTIF_NODES) {
      refuse(`${path}.children`, `the tree has over ${MAX_MOTIF_NODES} nodes`);
    }
    for (let i = kids.length - 1; i >= 0; i--) {
      stack.push({ node: kids[i], path: `${path}.children[${i}]`, depth: depth + 1 });
    }
  }
}

function scanProps(props: unknown, path: string, chars: { total: number }, refuse: Refuse): void {
  if (typeof props !== "object" || props === null || Array.isArray(props)) return;
  for (const [name, value] of Object.entries(props)) {
    const lower = name.toLowerCase();
    const at = `${path}.${name}`;
    if (lower.startsWith("on")) refuse(at, "event-handler props are not allowed");
    if (HTML_PROPS.has(lower)) refuse(at, "raw HTML props are not allowed");
    if (URL_PROPS.has(lower)) refuse(at, "URL props are not allowed");
    scanValue(value, at, 0, chars, refuse);
  }
}

function scanValue(
  value: unknown,
  path: string,
  level: number,
  chars: { total: number },
  refuse: Refuse,
): void {
  if (typeof value === "string") {
    if (value.length > MAX_TEXT) refuse(path, `a string is over ${MAX_TEXT} characters`);
    chars.total += value.length;
    if (chars.total > MAX_TOTAL_CHARS) {
      refuse(path, `the tree's strings are over ${MAX_TOTAL_CHARS} characters together`);
    }
    // deno-lint-ignore no-control-regex
    if (SCRIPT_URL.test(value.replace(/[\u0000-\u001f]/g, ""))) {
      refuse(path, "javascript: URLs are not allowed");
    }
  } else if (Array.isArray(value) && level < 2) {
    if (value.length > 1_000) refuse(path, "an array is over 1000 items");
    value.forEach((item, i) => scanValue(item, `${path}[${i}]`, level + 1, chars, refuse));
  }
}

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => typeof key === "number" ? `${text}[${key}]` : `${text}.${String(key)}`,
    "$",
  );
}
