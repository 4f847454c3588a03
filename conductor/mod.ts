/**
 * The Conductor: the host of extension processes.
 *
 * - {@linkcode Conductor}: starts installed extensions in their sandboxes and routes calls.
 * - {@linkcode ExtensionProcess}: the host side of one process's IPC bus.
 * - {@linkcode StateStore}, {@linkcode homeLayout}: what is installed, and where.
 *
 * @module
 */
export {
  Conductor,
  type ConductorCallOptions,
  type ConductorOptions,
  type PublishedEvent,
} from "./conductor.ts";
export {
  type CallOptions,
  type ExtensionLogLine,
  ExtensionProcess,
  type ExtensionProcessOptions,
} from "./extension_process.ts";
export { type HomeLayout, homeLayout } from "./home_layout.ts";
export { type HostState, type InstalledExtension, StateStore } from "./state_store.ts";
