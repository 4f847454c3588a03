// Generated-input tests for the manifest validator: thousands of mutated
// manifests and manifest texts go through `parseManifestText` and
// `validateManifest`, which must always answer with a result, never throw.
//
// The generator is seeded, so every run checks the same cases. To explore
// other inputs, change SEED and run the file again; a failure names the seed,
// the case and the mutations applied, so the case can be replayed.
import assert from "node:assert/strict";
import { parse as parseToml, stringify as stringifyToml, TomlDate } from "smol-toml";
import {
  checkNetEntry,
  formatProblem,
  type Manifest,
  type ManifestFormat,
  parseManifestText,
  type SandboxEscape,
  validateManifest,
} from "../manifest/mod.ts";

const SEED = 0x5eed_2026;
const MANIFEST_CASES_PER_FIXTURE = 1_000;
const TEXT_CASES_PER_BASE = 200;

type Random = () => number;

// mulberry32: a tiny, well-mixed 32-bit generator.
function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// Each case has its own generator, so one case can be replayed alone.
function caseRandom(caseNumber: number): Random {
  return mulberry32(SEED ^ Math.imul(caseNumber + 1, 0x9e3779b1));
}

function below(random: Random, n: number): number {
  return Math.floor(random() * n);
}

function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError("Cannot pick from an empty list");
  return items[below(random, items.length)] as T;
}

// --- Values -----------------------------------------------------------------

const CHARS = [
  ..."abcxyzABCXYZ0129 .-_/*,:;=#[]{}()$\"'\\`~!?@%&|<>^+",
  ..."\n\r\t\0\u0001\u001f\u007f\u0085\u00a0\u2028\u200b\u202e\ufeff\ufffd",
  "\ud800", // a lone surrogate
  "\udfff",
  "é",
  "e\u0301",
  "ß",
  "İ",
  "漢",
  "🎻",
  "👩‍👩‍👧",
];

const LONG_STRINGS = [
  "x".repeat(100_000),
  "a,".repeat(50_000),
  "${workspace}/" + "../".repeat(33_000),
  "acme." + "a".repeat(100_000),
  "é".repeat(100_000),
  "\0".repeat(100_000),
];

const SPECIAL_STRINGS = [
  "",
  " ",
  "\n",
  "\t",
  "\0",
  "a,b",
  ",",
  "${workspace}/../..",
  "${workspace}/../../etc/passwd",
  "${workspace}/a/../../b",
  "${ext_dir}",
  "${ext_data}/x",
  "${tmp}/",
  "${unknown}/x",
  "${workspace}${tmp}",
  "${workspace",
  "${}",
  "/proc/1",
  "/proc/self/environ",
  "/dev/null",
  "/sys",
  "//proc",
  "/",
  "*",
  "..",
  "./",
  "../main.ts",
  "C:\\Windows",
  "c:/x",
  "main.ts\0",
  "https://api.example.com/v1",
  "http://[::1]:8080/",
  "ftp://x",
  "[::1]",
  "[::1]:99999",
  "[zz]",
  "localhost:0",
  "localhost:65536",
  "host:-1",
  "host:",
  ":443",
  "a..b",
  "-a.b",
  "1.2.3",
  "1.2.3-beta.1+build",
  "v1.2.3",
  "01.2.3",
  "^1.2.3",
  ">=1 <0",
  "||",
  "acme.x",
  "ACME.X",
  "acme",
  "a".repeat(64) + ".b",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "(a+)+$",
  "[",
  "(?<",
  "\\",
  "%00",
  "nan",
  "1e308",
  "true",
  "null",
  "${workspace}/a\nb",
  "operator",
  "instrument",
  "motif",
  "integer",
  "enum",
  "array",
  "object",
  "sidebar",
];

const ODD_NUMBERS = [
  1e308,
  -1e308,
  -1,
  0,
  -0,
  NaN,
  Infinity,
  -Infinity,
  2 ** 53 + 1,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_VALUE,
  Number.EPSILON,
  0.5,
  1,
  2,
  1.0000001,
  65_535,
  65_536,
  2 ** 31,
  -(2 ** 31),
  2 ** 32,
];

const KEYS = [
  "a",
  "wrte",
  "reed",
  "ID",
  "nme",
  "types",
  "",
  " ",
  "a.b",
  "a\nb",
  "\0",
  "🎻",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "extends",
  "manifest_version",
  "permissions",
  "instrument",
  "operator",
  "motif",
  "type",
  "default",
  "values",
  "items",
  "0",
  "-1",
];

const KINDS = ["string", "number", "boolean", "array", "table", "null", "date"] as const;
type Kind = typeof KINDS[number];

function kindOf(value: unknown): Kind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "date";
  if (typeof value === "object") return "table";
  return typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "string";
}

function randomString(random: Random, current?: unknown): string {
  const roll = random();
  if (roll < 0.05) return pick(random, LONG_STRINGS);
  if (roll < 0.45) return pick(random, SPECIAL_STRINGS);
  if (roll < 0.7 && typeof current === "string") {
    // A near miss: the valid value with a few characters inserted.
    const at = below(random, current.length + 1);
    return current.slice(0, at) + randomChars(random, 1 + below(random, 3)) + current.slice(at);
  }
  const text = randomChars(random, below(random, 33));
  return random() < 0.2 ? `\${workspace}/${text}` : text;
}

function randomChars(random: Random, length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += pick(random, CHARS);
  return text;
}

function randomNumber(random: Random): number {
  return random() < 0.8 ? pick(random, ODD_NUMBERS) : Math.round((random() - 0.5) * 2e6) / 8;
}

function randomScalar(random: Random): unknown {
  return randomOfKind(random, pick(random, ["string", "number", "boolean", "null", "date"]));
}

function randomOfKind(random: Random, kind: Kind, current?: unknown): unknown {
  switch (kind) {
    case "string":
      return randomString(random, current);
    case "number":
      return randomNumber(random);
    case "boolean":
      return random() < 0.5;
    case "null":
      return null;
    case "date":
      // What smol-toml returns for a TOML date.
      return new TomlDate(pick(random, ["1979-05-27", "1979-05-27T07:32:00Z", "07:32:00"]));
    case "array":
      return Array.from({ length: below(random, 4) }, () => randomScalar(random));
    case "table": {
      const table: Record<string, unknown> = {};
      for (let i = below(random, 4); i > 0; i--) {
        setOwn(table, pick(random, KEYS), randomScalar(random));
      }
      return table;
    }
  }
}

// Defines an own property even for `__proto__`, as JSON.parse does.
function setOwn(table: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(table, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function deepNesting(random: Random): unknown {
  const depth = pick(random, [8, 31, 32, 33, 100, 1_000]);
  let value: unknown = randomScalar(random);
  for (let i = 0; i < depth; i++) {
    if (random() < 0.5) value = [value];
    else {
      const table: Record<string, unknown> = {};
      setOwn(table, pick(random, KEYS), value);
      value = table;
    }
  }
  return value;
}

// Short entries only: 10,000 strings of 100,000 characters would be slow
// for the wrong reason.
const SHORT_VALUES = [...SPECIAL_STRINGS, ...ODD_NUMBERS, true, false, null];

function hugeArray(random: Random, current: unknown): unknown[] {
  const fill = random();
  return Array.from(
    { length: 10_000 },
    (_, i) =>
      fill < 0.3
        ? current
        : fill < 0.6
        ? `\${workspace}/f${i}`
        : fill < 0.8
        ? i
        : pick(random, SHORT_VALUES),
  );
}

// A short, printable description of a value, for failure messages.
function summarize(value: unknown, depth = 2): string {
  if (typeof value === "string") {
    return value.length > 40
      ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} chars)`
      : JSON.stringify(value);
  }
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (value instanceof Date) return `TomlDate(${value.toISOString()})`;
  if (Array.isArray(value)) {
    if (depth === 0) return `[… ${value.length} items]`;
    const shown = value.slice(0, 3).map((v) => summarize(v, depth - 1));
    return `[${shown.join(", ")}${value.length > 3 ? `, … ${value.length} items` : ""}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (depth === 0) return `{… ${entries.length} keys}`;
    const shown = entries.slice(0, 3).map(([k, v]) =>
      `${JSON.stringify(k)}: ${summarize(v, depth - 1)}`
    );
    return `{${shown.join(", ")}${entries.length > 3 ? `, … ${entries.length} keys` : ""}}`;
  }
  return String(value);
}

// --- Manifest mutations -----------------------------------------------------

type Container = Record<string, unknown> | unknown[];

interface Slot {
  parent: Container;
  key: string | number;
  path: string;
}

function isContainer(value: unknown): value is Container {
  return typeof value === "object" && value !== null && !(value instanceof Date);
}

// Every field and array entry (the first 16 of long arrays), at any depth.
function slotsOf(root: unknown): Slot[] {
  const slots: Slot[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{
    value: root,
    path: "",
    depth: 0,
  }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path, depth } = next;
    if (!isContainer(value) || depth > 40) continue;
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.slice(0, 16).map((child, i) => [i, child])
      : Object.entries(value);
    for (const [key, child] of entries) {
      const childPath = typeof key === "number" ? `${path}[${key}]` : `${path}.${key}`;
      slots.push({ parent: value, key, path: childPath });
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return slots;
}

function tablesOf(root: unknown): { table: Record<string, unknown>; path: string }[] {
  const tables = slotsOf(root).flatMap(({ parent, key, path }) => {
    const value = (parent as Record<string | number, unknown>)[key];
    return isContainer(value) && !Array.isArray(value) ? [{ table: value, path }] : [];
  });
  return isContainer(root) && !Array.isArray(root)
    ? [{ table: root, path: "" }, ...tables]
    : tables;
}

function read(slot: Slot): unknown {
  return (slot.parent as Record<string | number, unknown>)[slot.key];
}

function write(slot: Slot, value: unknown): void {
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  else setOwn(slot.parent, String(slot.key), value);
}

const MUTATIONS = {
  remove(random: Random, root: unknown): string {
    const slot = pick(random, slotsOf(root));
    if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
    else delete slot.parent[slot.key];
    return `remove ${slot.path}`;
  },
  swapType(random: Random, root: unknown): string {
    const slot = pick(random, slotsOf(root));
    const current = read(slot);
    const kind = pick(random, KINDS.filter((k) => k !== kindOf(current)));
    const value = randomOfKind(random, kind, current);
    write(slot, value);
    return `swap ${slot.path} to ${kind} ${summarize(value)}`;
  },
  randomString(random: Random, root: unknown): string {
    const slot = pick(random, slotsOf(root));
    const value = randomString(random, read(slot));
    write(slot, value);
    return `set ${slot.path} to ${summarize(value)}`;
  },
  oddNumber(random: Random, root: unknown): string {
    const slot = pick(random, slotsOf(root));
    const value = randomNumber(random);
    write(slot, value);
    return `set ${slot.path} to ${summarize(value)}`;
  },
  addKey(random: Random, root: unknown): string {
    const { table, path } = pick(random, tablesOf(root));
    const key = random() < 0.8 ? pick(random, KEYS) : randomChars(random, 1 + below(random, 8));
    const value = random() < 0.5 ? randomScalar(random) : randomOfKind(random, pick(random, KINDS));
    setOwn(table, key, value);
    return `add ${path}[${JSON.stringify(key)}] = ${summarize(value)}`;
  },
  deepNesting(random: Random, root: unknown): string {
    const slot = pick(random, slotsOf(root));
    write(slot, deepNesting(random));
    return `nest ${slot.path} deeply: ${summarize(read(slot), 4)}`;
  },
  hugeArray(random: Random, root: unknown): string {
    const slot = pick(random, slotsOf(root));
    const value = hugeArray(random, read(slot));
    write(slot, value);
    return `set ${slot.path} to ${summarize(value)}`;
  },
};

type MutationName = keyof typeof MUTATIONS;

// Relative weights; huge arrays are rare because each costs 10,000 checks.
const WEIGHTS: [MutationName, number][] = [
  ["remove", 25],
  ["swapType", 20],
  ["randomString", 18],
  ["oddNumber", 12],
  ["addKey", 12],
  ["deepNesting", 4],
  ["hugeArray", 2],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);

function pickMutation(random: Random): MutationName {
  let roll = random() * TOTAL_WEIGHT;
  for (const [name, weight] of WEIGHTS) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return "remove";
}

interface MutatedManifest {
  raw: unknown;
  log: string[];
  applied: (MutationName | "replaceRoot")[];
}

function mutateManifest(fixture: Record<string, unknown>, random: Random): MutatedManifest {
  let raw: unknown = structuredClone(fixture);
  const log: string[] = [];
  const applied: MutatedManifest["applied"] = [];
  for (let count = 1 + below(random, 4); count > 0; count--) {
    if (slotsOf(raw).length === 0) break;
    const name = pickMutation(random);
    log.push(MUTATIONS[name](random, raw));
    applied.push(name);
  }
  if (random() < 0.02) {
    raw = randomOfKind(random, pick(random, KINDS.filter((k) => k !== "table")));
    log.push(`replace the whole manifest with ${summarize(raw)}`);
    applied.push("replaceRoot");
  }
  return { raw, log, applied };
}

// --- Checks -----------------------------------------------------------------

function check(condition: boolean, what: string, context: () => string): asserts condition {
  if (!condition) assert.fail(`${what}\n${context()}`);
}

function isProblem(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const { path, message } = value as Record<string, unknown>;
  return typeof path === "string" && path !== "" && !path.includes("\n") &&
    typeof message === "string" && message !== "" &&
    // The CLI prints a problem as exactly one line.
    !/[\r\n\u2028\u2029]/.test(formatProblem({ path, message }));
}

// An error as a few short lines: its message and the top of its stack.
function describeError(error: unknown): string {
  const lines = error instanceof Error
    ? (error.stack ?? String(error)).split("\n")
    : [String(error)];
  return lines.slice(0, 6).map((line) => line.length > 200 ? `${line.slice(0, 200)}…` : line)
    .join("\n");
}

// Collects the cases that throw, so one run reports them all.
class Throws {
  readonly #cases: string[] = [];
  readonly #distinct = new Map<string, string>();

  add(what: string, error: unknown, context: () => string): void {
    const description = describeError(error);
    this.#cases.push(description);
    // One example per throw site: the message's start and the first frame.
    const [message = "", frame = ""] = description.split("\n");
    const site = `${message.slice(0, 40)} ${frame}`;
    if (!this.#distinct.has(site)) {
      this.#distinct.set(site, `${what} threw\n${context()}\n${description}`);
    }
  }

  assertNone(): void {
    assert.ok(
      this.#cases.length === 0,
      `${this.#cases.length} cases threw instead of returning a result; one per throw site:\n\n` +
        [...this.#distinct.values()].join("\n\n"),
    );
  }
}

// Validates, and checks the result has the documented shape. Returns `ok`,
// or undefined when validateManifest() threw.
function validateChecked(raw: unknown, context: () => string, throws: Throws): boolean | undefined {
  let result: unknown;
  try {
    result = validateManifest(raw);
  } catch (error) {
    throws.add("validateManifest()", error, context);
    return undefined;
  }
  check(typeof result === "object" && result !== null, "the result is not an object", context);
  const { ok, problems, warnings, manifest } = result as Record<string, unknown>;
  check(typeof ok === "boolean", `ok is ${summarize(ok)}, not a boolean`, context);
  check(
    Array.isArray(warnings) && warnings.every(isProblem),
    `warnings are not a list of problems: ${summarize(warnings)}`,
    context,
  );
  if (ok) {
    const id = (manifest as Record<string, unknown> | undefined)?.["id"];
    check(typeof id === "string", `ok, but manifest.id is ${summarize(id)}`, context);
    checkAcceptedPermissions(result as { manifest: Manifest; escapes: SandboxEscape[] }, context);
  } else {
    check(
      Array.isArray(problems) && problems.length > 0,
      `not ok, but problems is ${summarize(problems)}`,
      context,
    );
    const bad = problems.find((p) => !isProblem(p));
    check(
      bad === undefined,
      `a problem needs a one-line path and a message: ${summarize(bad)}`,
      context,
    );
  }
  return ok;
}

// What the sandbox will turn into --allow-* flags must be safe in every
// accepted manifest, whatever the mutations did.
function checkAcceptedPermissions(
  result: { manifest: Manifest; escapes: SandboxEscape[] },
  context: () => string,
): void {
  const { read, write, net, run } = result.manifest.permissions;
  const escaped = new Set(result.escapes.map((e) => `${e.kind} ${e.value}`));
  for (const [kind, list] of [["read", read], ["write", write]] as const) {
    for (const path of list) {
      const safe = !/[,\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(path) && path.isWellFormed() &&
        !path.split("/").includes("..") &&
        (path === "*" || /^\$\{(workspace|ext_dir|ext_data|tmp)\}(\/|$)/.test(path) ||
          (path.startsWith("/") && !/^\/(proc|dev|sys)(\/|$)/i.test(path)));
      check(safe, `accepted an unsafe ${kind} path: ${summarize(path)}`, context);
      if (!path.startsWith("${")) {
        check(escaped.has(`${kind} ${path}`), `${kind} ${summarize(path)} is not flagged`, context);
      }
    }
  }
  for (const entry of net) {
    const again = checkNetEntry(entry);
    check(
      again.ok && again.normalized === entry,
      `net entry not canonical: ${summarize(entry)}`,
      context,
    );
  }
  for (const program of run) {
    check(escaped.has(`run ${program}`), `run ${summarize(program)} is not flagged`, context);
  }
}

// --- Fixtures ---------------------------------------------------------------

async function fixtureText(path: string): Promise<string> {
  return await Deno.readTextFile(new URL(`./fixtures/${path}`, import.meta.url));
}

const TEXTS = {
  operator: await fixtureText("operator/extension.toml"),
  instrument: await fixtureText("instrument/extension.toml"),
  motif: await fixtureText("motif/extension.json"),
};

const FIXTURES: Record<keyof typeof TEXTS, Record<string, unknown>> = {
  operator: parseToml(TEXTS.operator),
  instrument: parseToml(TEXTS.instrument),
  motif: JSON.parse(TEXTS.motif),
};

Deno.test("the unmutated fixtures parse and validate", async (t) => {
  for (const [name, text] of Object.entries(TEXTS)) {
    await t.step(name, () => {
      const format = name === "motif" ? "json" : "toml";
      const parsed = parseManifestText(text, { format });
      assert.ok(parsed.ok, `${name} does not parse`);
      const result = validateManifest(parsed.raw);
      assert.ok(result.ok, `${name} is invalid: ${JSON.stringify(!result.ok && result.problems)}`);
      assert.equal(result.manifest.id, FIXTURES[name as keyof typeof TEXTS]["id"]);
    });
  }
});

Deno.test("validateManifest() returns a validation result for 3,000 mutated manifests", async (t) => {
  let caseNumber = 0;
  const applied = new Map<string, number>();
  for (const [name, fixture] of Object.entries(FIXTURES)) {
    await t.step(`mutations of the ${name} fixture`, () => {
      let invalid = 0;
      const throws = new Throws();
      for (let i = 0; i < MANIFEST_CASES_PER_FIXTURE; i++, caseNumber++) {
        const thisCase = caseNumber;
        const mutated = mutateManifest(fixture, caseRandom(thisCase));
        const context = () => `seed ${SEED}, case ${thisCase} (${name}): ${mutated.log.join("; ")}`;
        if (validateChecked(mutated.raw, context, throws) === false) invalid++;
        for (const m of mutated.applied) applied.set(m, (applied.get(m) ?? 0) + 1);
      }
      throws.assertNone();
      // Mutations that mostly leave the manifest valid would test nothing.
      assert.ok(
        invalid >= MANIFEST_CASES_PER_FIXTURE / 2,
        `only ${invalid} of ${MANIFEST_CASES_PER_FIXTURE} mutated ${name} manifests are invalid`,
      );
    });
  }
  await t.step("every kind of mutation was applied", () => {
    for (const [name] of [...WEIGHTS, ["replaceRoot"]]) {
      assert.ok(
        (applied.get(String(name)) ?? 0) >= 20,
        `${name} applied ${applied.get(String(name)) ?? 0} times`,
      );
    }
  });
});

// Permission lists built from hostile pieces: most cases stay valid in shape,
// so the checks on accepted manifests meet many accepted permission values.
const PATH_PIECES = [
  "${workspace}",
  "${ext_dir}",
  "${ext_data}",
  "${tmp}",
  "",
  "/",
  "//",
  "..",
  ".",
  "src",
  "a b",
  "proc",
  "dev",
  "sys",
  "PROC",
  "etc",
  "*",
  ",",
  "\\",
  "\u202e",
  "\u200b",
  "\u0085",
  "\ud800",
  "${tmp}",
  "~",
  "%2e%2e",
];
const NET_PIECES = [
  "api.example.com",
  "API.Example.COM",
  "localhost",
  "127.0.0.1",
  "127.1",
  "2130706433",
  "0x7f.1",
  "0",
  "[::1]",
  "[0::1]",
  "::1",
  "[::ffff:127.0.0.1]",
  "169.254.169.254",
  "10.0.0.1",
  "*",
  "bücher.example",
  "a_b.example",
  "example.com.",
  "1.2.3.4",
  "999.1.1.1",
];
const PORT_PIECES = ["", ":443", ":0443", ":0", ":65535", ":65536", ":80", ":x", ":"];

function permissionCase(random: Random): Record<string, string[]> {
  const path = () =>
    Array.from({ length: 1 + below(random, 4) }, () => pick(random, PATH_PIECES)).join(
      pick(random, ["/", "/", "/", ""]),
    );
  const makers = {
    read: path,
    write: path,
    net: () => pick(random, NET_PIECES) + pick(random, PORT_PIECES),
    run: () => pick(random, ["git", "sh", "/bin/sh", "a,b", "x\u009by"]),
  };
  // One list per case, so that one bad entry does not hide the others.
  const [kind, make] = pick(random, Object.entries(makers));
  return { [kind]: Array.from({ length: 1 + below(random, 2) }, make) };
}

Deno.test("validateManifest() accepts only safe permissions from 3,000 hostile permission lists", () => {
  const throws = new Throws();
  let accepted = 0;
  for (let i = 0; i < 3_000; i++) {
    const random = caseRandom(100_000 + i);
    const permissions = permissionCase(random);
    const context = () => `seed ${SEED}, permission case ${i}: ${summarize(permissions, 3)}`;
    if (validateChecked({ ...FIXTURES.operator, permissions }, context, throws)) accepted++;
  }
  throws.assertNone();
  // Both outcomes must be common, or the generator tests only one side.
  assert.ok(accepted >= 300 && accepted <= 2_700, `${accepted} of 3000 permission cases accepted`);
});

// --- Text mutations ---------------------------------------------------------

const SNIPPETS: Record<ManifestFormat, string[]> = {
  toml: [
    "\nversion = 1979-05-27T07:32:00Z\n",
    "\nmanifest_version = nan\n",
    "\nmanifest_version = 1.0\n",
    "\nx = inf\n",
    "\nid = 0x7fffffffffffffff\n",
    "\nid = 99999999999999999999\n",
    "\n[permissions]\n",
    '\n[[operator.functions]]\nname = "x"\n',
    '\n"__proto__" = { polluted = true }\n',
    '\nextends = "../base.toml"\n',
    '\nsettings.a.type = "enum"\n',
    '\nkeywords = [1, "a", true, 1979-05-27]\n',
    "\n= = =\n",
    "\n[a.b.c.d]\n",
    '\nname = """\nline\nbreak"""\n',
    "\ndeep = " + "[".repeat(2_000) + "]".repeat(2_000) + "\n",
    "\ndeep = " + "{ a = ".repeat(40) + "1" + " }".repeat(40) + "\n",
  ],
  json: [
    '"__proto__": {"polluted": true},',
    '"x": NaN,',
    '"version": 1e999,',
    '"manifest_version": 1.0,',
    '"manifest_version": "1",',
    '"extends": "../x.json",',
    '"id": "\\ud800",',
    '"name": "a\\u0000b",',
    ",,",
    '"id": null,',
    '"deep": ' + "[".repeat(5_000) + "]".repeat(5_000) + ",",
    '"deep": ' + '{"a":'.repeat(40) + "1" + "}".repeat(40) + ",",
  ],
};

const TEXT_MUTATIONS = {
  truncate(random: Random, text: string): [string, string] {
    const at = below(random, text.length + 1);
    return [text.slice(0, at), `truncate at ${at}`];
  },
  insertChars(random: Random, text: string): [string, string] {
    const at = below(random, text.length + 1);
    const chars = randomChars(random, 1 + below(random, 8));
    return [text.slice(0, at) + chars + text.slice(at), `insert ${JSON.stringify(chars)} at ${at}`];
  },
  deleteSpan(random: Random, text: string): [string, string] {
    const at = below(random, text.length + 1);
    const length = 1 + below(random, 20);
    return [text.slice(0, at) + text.slice(at + length), `delete ${length} at ${at}`];
  },
  duplicateLine(random: Random, text: string): [string, string] {
    const lines = text.split("\n");
    const from = below(random, lines.length);
    const to = below(random, lines.length + 1);
    lines.splice(to, 0, lines[from] ?? "");
    return [lines.join("\n"), `copy line ${from + 1} before line ${to + 1}`];
  },
  insertSnippet(random: Random, text: string, format: ManifestFormat): [string, string] {
    const snippet = pick(random, SNIPPETS[format]);
    // Half the time after a line break or a comma, where it may still parse.
    const anchors = [...text.matchAll(format === "toml" ? /\n/g : /,\n?/g)].map((m) =>
      m.index + m[0].length
    );
    const at = random() < 0.5 && anchors.length > 0
      ? pick(random, anchors)
      : below(random, text.length + 1);
    return [text.slice(0, at) + snippet + text.slice(at), `insert ${summarize(snippet)} at ${at}`];
  },
};

function randomBytesText(random: Random): string {
  const bytes = Uint8Array.from({ length: below(random, 400) }, () => below(random, 256));
  return new TextDecoder().decode(bytes);
}

Deno.test("parseManifestText() and validateManifest() return a result for 1,200 mutated texts", async (t) => {
  const bases: [string, ManifestFormat, string][] = [
    ["operator.toml", "toml", TEXTS.operator],
    ["instrument.toml", "toml", TEXTS.instrument],
    ["motif.json", "json", TEXTS.motif],
    ["operator.json", "json", JSON.stringify(FIXTURES.operator, null, 2)],
    ["instrument.json", "json", JSON.stringify(FIXTURES.instrument)],
    ["motif.toml", "toml", stringifyToml(FIXTURES.motif)],
  ];
  let caseNumber = 1_000_000;
  for (const [name, format, base] of bases) {
    await t.step(`mutations of ${name}`, () => {
      const file = `extension.${format}`;
      let unparsable = 0;
      let parsed = 0;
      const throws = new Throws();
      for (let i = 0; i < TEXT_CASES_PER_BASE; i++, caseNumber++) {
        const thisCase = caseNumber;
        const random = caseRandom(thisCase);
        let text = base;
        const log: string[] = [];
        if (random() < 0.1) {
          text = randomBytesText(random);
          log.push(`random bytes ${summarize(text)}`);
        } else {
          for (let count = 1 + below(random, 3); count > 0; count--) {
            const mutation = pick(random, Object.values(TEXT_MUTATIONS));
            const [next, description] = mutation(random, text, format);
            text = next;
            log.push(description);
          }
        }
        const context = () => `seed ${SEED}, case ${thisCase} (${name}): ${log.join("; ")}`;
        let result: unknown;
        try {
          result = parseManifestText(text, { format });
        } catch (error) {
          throws.add("parseManifestText()", error, context);
          continue;
        }
        check(
          typeof result === "object" && result !== null,
          "the result is not an object",
          context,
        );
        const { ok, raw, problem } = result as Record<string, unknown>;
        if (ok === true) {
          check(
            isContainer(raw) && !Array.isArray(raw),
            `ok, but raw is ${summarize(raw)}`,
            context,
          );
          parsed++;
          validateChecked(raw, context, throws);
        } else {
          check(ok === false, `ok is ${summarize(ok)}, not a boolean`, context);
          check(isProblem(problem), `not a problem: ${summarize(problem)}`, context);
          const { path } = problem as { path: string };
          check(path.startsWith(file), `the problem path ${path} does not name ${file}`, context);
          unparsable++;
        }
      }
      throws.assertNone();
      // Both outcomes must be exercised for the run to mean anything.
      assert.ok(unparsable >= TEXT_CASES_PER_BASE / 5, `only ${unparsable} texts failed to parse`);
      assert.ok(parsed >= TEXT_CASES_PER_BASE / 20, `only ${parsed} texts parsed`);
    });
  }
});
