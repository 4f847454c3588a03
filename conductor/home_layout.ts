/**
 * Where the host keeps things under `$SYMPHONY_HOME`.
 *
 * ```text
 * host/state.json             installed extensions, grants, settings (the host's own; no extension reads it)
 * host/archive/               settings of uninstalled extensions
 * extensions/<id>/<version>/  installed code, read-only to the extension
 * data/<id>/                  the extension's private data (${ext_data}, its HOME)
 * tmp/<id>/                   the extension's private temporary directory (${tmp})
 * cache/<id>/                 the extension's own Deno cache (DENO_DIR), filled at install
 * ```
 *
 * @module
 */
import { join } from "node:path";

/** The paths under one `$SYMPHONY_HOME`. */
export interface HomeLayout {
  home: string;
  hostDir: string;
  /** The host database (SQLite). */
  databaseFile: string;
  /** Where hosts before the database kept their state; imported once. */
  stateFile: string;
  archiveDir: string;
  extensionsDir: string;
  extDir(id: string, version: string): string;
  dataDir(id: string): string;
  tmpDir(id: string): string;
  cacheDir(id: string): string;
}

/**
 * The layout of a data directory.
 *
 * @param home The absolute path of `$SYMPHONY_HOME`.
 * @returns The paths in it.
 *
 * @example
 * ```ts
 * import { homeLayout } from "./home_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = homeLayout("/home/u/.symphony");
 * assert.equal(layout.extDir("acme.x", "1.0.0"), "/home/u/.symphony/extensions/acme.x/1.0.0");
 * assert.equal(layout.stateFile, "/home/u/.symphony/host/state.json");
 * ```
 */
export function homeLayout(home: string): HomeLayout {
  return {
    home,
    hostDir: join(home, "host"),
    databaseFile: join(home, "host", "symphony.db"),
    stateFile: join(home, "host", "state.json"),
    archiveDir: join(home, "host", "archive"),
    extensionsDir: join(home, "extensions"),
    extDir: (id, version) => join(home, "extensions", id, version),
    dataDir: (id) => join(home, "data", id),
    tmpDir: (id) => join(home, "tmp", id),
    cacheDir: (id) => join(home, "cache", id),
  };
}
