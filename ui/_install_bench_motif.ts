/**
 * The motif that `ui/motif_bridge_bench.ts` clicks: one panel whose tree has
 * {@linkcode BENCH_MOTIF}`.nodes` nodes (a heading over a counter, a button
 * and rows of text), written to a directory and installed into a Conductor.
 * A click on the button adds one to the counter, and every row shows it, so
 * each answer changes the counter and all the rows: the page has the whole
 * tree to diff and 198 text nodes to update.
 *
 * @module
 */
import { join } from "node:path";
import type { Conductor } from "../conductor/mod.ts";
import { installExtension } from "../kit/mod.ts";
import { SymphonyError } from "../symphony_error.ts";

/** What the bench needs to know of the motif. */
export const BENCH_MOTIF = {
  /** The extension's id. */
  id: "bench.bridge",
  /** The `id` prop of the button whose click adds one. */
  button: "inc",
  /** The counter's text is this followed by the count, from 0. */
  counterPrefix: "Count: ",
  /** Nodes in every tree the motif answers with. */
  nodes: 200,
} as const;

/** The heading, the counter and the button; the rest of the nodes are rows. */
const ROWS = BENCH_MOTIF.nodes - 3;

const SOURCE = `
let count = 0;
function tree() {
  const rows = [];
  for (let i = 1; i <= ${ROWS}; i++) {
    rows.push({ type: "text", props: { text: "Row " + i + ": " + i * count } });
  }
  return {
    type: "heading",
    props: { text: "Bridge bench", level: 4 },
    children: [
      { type: "text", props: { text: ${JSON.stringify(BENCH_MOTIF.counterPrefix)} + count } },
      { type: "button", props: { id: ${JSON.stringify(BENCH_MOTIF.button)}, label: "Add one" } },
      ...rows,
    ],
  };
}
export function activate() {
  return {
    render: () => tree(),
    event: (e) => {
      if (e.id === ${JSON.stringify(BENCH_MOTIF.button)}) count++;
      return tree();
    },
  };
}
`;

/**
 * Writes the bench motif under `dir` and installs it, with every permission
 * it asks for (none).
 *
 * @param conductor The host to install it into.
 * @param dir A directory for the motif's source, e.g. a temporary one.
 * @returns The installed extension's id, {@linkcode BENCH_MOTIF}`.id`.
 * @throws {SymphonyError} `Internal` when the install is not confirmed, or
 *   what {@linkcode installExtension} throws.
 *
 * @example Install it and count the nodes of its first tree
 * ```ts
 * import { BENCH_MOTIF, installBenchMotif } from "./_install_bench_motif.ts";
 * import { Conductor } from "../conductor/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.realPath(await Deno.makeTempDir());
 * {
 *   await using conductor = new Conductor({ home: `${root}/home`, workspace: root });
 *   const id = await installBenchMotif(conductor, `${root}/motif`);
 *   type Node = { children?: Node[] };
 *   const count = (node: Node): number =>
 *     1 + (node.children ?? []).reduce((sum, child) => sum + count(child), 0);
 *   assert.equal(count(await conductor.call(id, "render", null) as Node), BENCH_MOTIF.nodes);
 * }
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function installBenchMotif(conductor: Conductor, dir: string): Promise<string> {
  return installOnePanelMotif(conductor, dir, BENCH_MOTIF.id, SOURCE, "Bridge bench");
}

/**
 * Writes a motif with one panel (`main`) whose entry module is `source`
 * under `dir`, and installs it with every permission it asks for (none).
 * The browser tests' motifs are made this way too.
 *
 * @param conductor The host to install it into.
 * @param dir A directory for the motif's source.
 * @param id The motif's id.
 * @param source The entry module's source, with `render` and `event`.
 * @param name Its name. Default: the id.
 * @returns The installed extension's id.
 * @throws {SymphonyError} `Internal` when the install is not confirmed, or
 *   what {@linkcode installExtension} throws.
 */
export async function installOnePanelMotif(
  conductor: Conductor,
  dir: string,
  id: string,
  source: string,
  name = id,
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    join(dir, "extension.json"),
    JSON.stringify({
      manifest_version: 1,
      id,
      name,
      version: "1.0.0",
      type: "motif",
      entry: "main.ts",
      engines: { symphony: "^0.1.0" },
      motif: { panels: [{ id: "main", title: "Main", location: "panel" }] },
    }),
  );
  await Deno.writeTextFile(join(dir, "main.ts"), source);
  const installed = await installExtension(dir, {
    conductor,
    confirm: () => Promise.resolve(true),
  });
  if (installed === undefined) {
    throw new SymphonyError("Internal", `Cannot install ${id}: it was not confirmed`);
  }
  return installed.id;
}
