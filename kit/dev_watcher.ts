/**
 * Watches the directories of development installs and reloads an extension
 * when its files change: changes that arrive together make one reload, and
 * reloads of one extension never overlap.
 *
 * @module
 */
import type { Conductor } from "../conductor/mod.ts";
import { reloadExtension, type ReloadResult } from "./reload_extension.ts";

/** Options for {@linkcode watchDevExtensions}. */
export interface DevWatcherOptions {
  /** Told of every reload, done or refused. */
  onReload(result: ReloadResult): void;
  /** Quiet time after the last change before reloading, in ms. Default: 150. */
  debounceMs?: number;
}

/**
 * Watches every development install of the Conductor's home.
 *
 * @param conductor The host.
 * @param options Where reload results go.
 * @returns The watched extension ids, and a disposer that stops watching.
 */
export async function watchDevExtensions(
  conductor: Conductor,
  options: DevWatcherOptions,
): Promise<{ ids: string[] } & AsyncDisposable> {
  const dev = (await conductor.list()).flatMap((e) =>
    e.devDir === undefined ? [] : [{ id: e.id, dir: e.devDir }]
  );
  const watchers = dev.map(({ id, dir }) => watchOne(conductor, id, dir, options));
  return {
    ids: dev.map((e) => e.id),
    async [Symbol.asyncDispose](): Promise<void> {
      await Promise.all(watchers.map((w) => w.close()));
    },
  };
}

function watchOne(
  conductor: Conductor,
  id: string,
  dir: string,
  options: DevWatcherOptions,
): { close(): Promise<void> } {
  const watcher = Deno.watchFs(dir, { recursive: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reloading: Promise<void> = Promise.resolve();
  const reload = (): void => {
    reloading = reloading.then(async () => {
      try {
        options.onReload(await reloadExtension(conductor, id));
      } catch (error) {
        options.onReload({ ok: false, id, reason: (error as Error).message });
      }
    });
  };
  const loop = (async () => {
    for await (const _event of watcher) {
      clearTimeout(timer);
      timer = setTimeout(reload, options.debounceMs ?? 150);
    }
  })();
  return {
    async close(): Promise<void> {
      clearTimeout(timer);
      watcher.close();
      await loop;
      await reloading;
    },
  };
}
