import { Conductor } from "./conductor/mod.ts";
import { installExtension } from "./kit/install_extension.ts";
const home = await Deno.makeTempDir();
const conductor = new Conductor({
  home,
  workspace: Deno.cwd(),
  onLog: (l) => console.log("LOG", l),
});
const rec = await installExtension("tests/fixtures/motif", {
  conductor,
  confirm: async (r) => (console.log(r), true),
  progress: console.log,
});
console.log(rec?.id);
let t = performance.now();
console.log(
  await conductor.call("acme.word-count", "count", { text: "hello world\nbye" }),
  performance.now() - t,
);
t = performance.now();
console.log(
  await conductor.call("acme.word-count", "count", { text: "a b c" }),
  performance.now() - t,
);
await conductor.stopAll();
await Deno.remove(home, { recursive: true });
