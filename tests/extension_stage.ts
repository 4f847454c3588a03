/**
 * Test helpers: a temporary host with a benign extension installed, and small
 * extensions written on the fly.
 *
 * @module
 */
import { installOnePanelMotif } from "../ui/_install_bench_motif.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  Conductor,
  type ConductorOptions,
  type ExtensionLogLine,
  type HostNotice,
  type StateChange,
} from "../conductor/mod.ts";
import { installExtension } from "../kit/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import { tempDir } from "./temp_dir.ts";

/** A small extension to write: its id, manifest parts and entry source. */
export interface Extension {
  id: string;
  /** Default: 1.0.0. */
  version?: string;
  permissions?: Record<string, string[]>;
  events?: Record<string, string[]>;
  dependencies?: Record<string, string>;
  resources?: Record<string, number | string[]>;
  functions?: { name: string; input?: unknown; output?: unknown }[];
  /** The `[settings]` section. */
  settings?: Record<string, unknown>;
  /** `lazy` (default) or `eager`. */
  activation?: "lazy" | "eager";
  /** An `[instrument]` section: the extension is then an instrument, not an operator. */
  instrument?: Record<string, unknown>;
  /** The entry module's source. */
  main: string;
}

/** Writes an extension directory under `dir`; returns its path. */
export async function writeExtension(dir: string, extension: Extension): Promise<string> {
  const path = join(dir, extension.id);
  await Deno.mkdir(path, { recursive: true });
  const manifest = {
    manifest_version: 1,
    id: extension.id,
    name: extension.id,
    version: extension.version ?? "1.0.0",
    type: extension.instrument === undefined ? "operator" : "instrument",
    entry: "main.ts",
    activation: extension.activation ?? "lazy",
    engines: { symphony: "^0.1.0" },
    permissions: extension.permissions ?? {},
    events: extension.events ?? {},
    dependencies: extension.dependencies ?? {},
    resources: extension.resources ?? {},
    settings: extension.settings ?? {},
    ...(extension.instrument === undefined
      ? { operator: { functions: extension.functions ?? [{ name: "run" }] } }
      : { instrument: extension.instrument }),
  };
  await Deno.writeTextFile(join(path, "extension.json"), JSON.stringify(manifest));
  await Deno.writeTextFile(join(path, "main.ts"), extension.main);
  return path;
}

/** An extension that echoes its input. */
export const BENIGN: Extension = {
  id: "acme.benign",
  main: `export function activate() { return { echo: (input) => ({ echoed: input }) }; }`,
};

/** A temporary host: a workspace, a data directory and a Conductor. */
export interface Stage extends AsyncDisposable {
  conductor: Conductor;
  root: string;
  workspace: string;
  logs: ExtensionLogLine[];
  /** The host's notices: limits it cannot enforce, warnings, kills. */
  notices: HostNotice[];
  /** Every state change, in order. */
  changes: StateChange[];
  /** Resolves with the first log line, already received or to come, that matches. */
  nextLog(matches: (line: ExtensionLogLine) => boolean): Promise<ExtensionLogLine>;
  install(extension: Extension): Promise<void>;
  assertBenignServes(): Promise<void>;
}

/** Makes a temporary host with the benign extension installed. */
export async function stage(
  hostEnv: Record<string, string> = {},
  options: Partial<ConductorOptions> = {},
): Promise<Stage> {
  const dir = await tempDir();
  const root = await Deno.realPath(dir.path);
  const workspace = join(root, "workspace");
  await Deno.mkdir(join(workspace, "granted"), { recursive: true });
  await Deno.writeTextFile(join(workspace, "granted", "notes.txt"), "hello");
  await Deno.writeTextFile(join(workspace, "secret.txt"), "workspace secret");
  await Deno.writeTextFile(join(root, "outside-secret.txt"), "outside secret");
  const logs: ExtensionLogLine[] = [];
  const waiting: {
    matches(line: ExtensionLogLine): boolean;
    resolve(line: ExtensionLogLine): void;
  }[] = [];
  const notices: HostNotice[] = [];
  const changes: StateChange[] = [];
  const conductor = new Conductor({
    onNotice: (notice) => notices.push(notice),
    onStateChange: (change) => changes.push(change),
    ...options,
    home: join(root, "home"),
    workspace,
    hostEnv: { ...hostEnv, PATH: Deno.env.get("PATH") ?? "" },
    onLog: (line) => {
      logs.push(line);
      for (const waiter of waiting.filter((w) => w.matches(line))) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    },
  });
  const install = async (extension: Extension) => {
    const path = await writeExtension(join(root, "sources"), extension);
    const record = await installExtension(path, {
      conductor,
      confirm: () => Promise.resolve(true),
    });
    assert.ok(record, `${extension.id} was not installed`);
  };
  await install(BENIGN);
  return {
    conductor,
    root,
    workspace,
    logs,
    notices,
    changes,
    nextLog(matches): Promise<ExtensionLogLine> {
      const seen = logs.find(matches);
      return seen !== undefined
        ? Promise.resolve(seen)
        : new Promise((resolve) => waiting.push({ matches, resolve }));
    },
    install,
    async assertBenignServes(): Promise<void> {
      assert.deepEqual(await conductor.call("acme.benign", "echo", { n: 1 }), { echoed: { n: 1 } });
    },
    async [Symbol.asyncDispose](): Promise<void> {
      await conductor.stopAll();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** Asserts that a promise rejects with a SymphonyError of `code`. */
export async function assertFails(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SymphonyError, `expected a SymphonyError, got ${error}`);
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

/** One hostile extension whose `run` method tries one thing. */
export function attacker(id: string, body: string, extra: Partial<Extension> = {}): Extension {
  return {
    id,
    main: `export function activate(ctx) { return { run: async (input) => { ${body} } }; }`,
    ...extra,
  };
}

/** Writes and installs a motif (one panel) whose entry module's source is `main`. */
export async function installMotif(s: Stage, id: string, main: string): Promise<void> {
  assert.equal(
    await installOnePanelMotif(s.conductor, join(s.root, "motifs", id), id, main),
    id,
  );
}
