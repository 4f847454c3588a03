/**
 * The browser entry of the UI: renders {@linkcode App} into `#app`. Bundled
 * by `deno bundle --platform browser` (see `ui/server/bundle_client.ts`).
 *
 * @module
 */
import { render } from "preact";
import { App } from "./app.tsx";

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
