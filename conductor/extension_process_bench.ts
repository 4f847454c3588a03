// The Grand Stage's speed, each figure beside a baseline measured in the same
// run: spawn-to-ready against a bare `deno run` of an empty script; a call's
// round trip against a raw byte echo over the same kind of pipe; pipelined
// calls against the same echo of as many frames.
//
// Run with `deno task bench`. Targets: spawn-to-ready median under 40 ms and
// at most 1.6x the bare run; round trip at most 1.3x the echo; at least
// 200,000 pipelined calls per second (1,000 calls in 5 ms or less).
import { join } from "node:path";
import { Conductor } from "./mod.ts";
import { installExtension } from "../kit/mod.ts";
import { denoSpawner, type SpawnedProcess } from "../sandbox/mod.ts";
import { encodeFrame, FrameDecoder } from "../stage/mod.ts";

const PIPELINED = 1_000;
const root = await Deno.makeTempDir({ prefix: "symphony-bench-" });
const source = join(root, "source");
await Deno.mkdir(source);
await Deno.writeTextFile(
  join(source, "extension.json"),
  JSON.stringify({
    manifest_version: 1,
    id: "bench.echo",
    name: "Echo",
    version: "1.0.0",
    type: "operator",
    entry: "main.ts",
    engines: { symphony: "^0.1.0" },
    resources: { max_concurrency: 1024, timeout_ms: 60_000 },
    operator: { functions: [{ name: "echo" }] },
  }),
);
await Deno.writeTextFile(
  join(source, "main.ts"),
  "export function activate() { return { echo: (input) => input }; }",
);
const empty = join(root, "empty.ts");
await Deno.writeTextFile(empty, "");
const echoScript = join(root, "echo.ts");
await Deno.writeTextFile(
  echoScript,
  "const out = Deno.stdout.writable.getWriter(); for await (const chunk of Deno.stdin.readable) await out.write(chunk);",
);

const conductor = new Conductor({ home: join(root, "home"), workspace: root });
await installExtension(source, { conductor, confirm: () => Promise.resolve(true) });
await Deno.writeTextFile(
  join(source, "extension.json"),
  (await Deno.readTextFile(join(source, "extension.json"))).replace('"bench.echo"', '"bench.cold"'),
);
await installExtension(source, { conductor, confirm: () => Promise.resolve(true) });
const warm = await conductor.start("bench.echo");

// A raw echo process and a way to send bytes through it and wait for them back.
const echo: SpawnedProcess = denoSpawner.spawn({
  program: Deno.execPath(),
  args: ["run", "--no-prompt", echoScript],
  env: {},
  cwd: root,
});
const echoIn = echo.stdin.getWriter();
const echoOut = echo.stdout.getReader();
async function echoRoundTrip(bytes: Uint8Array): Promise<void> {
  await echoIn.write(bytes);
  let received = 0;
  while (received < bytes.length) {
    const { value } = await echoOut.read();
    received += value?.length ?? Infinity;
  }
}
const oneFrame = encodeFrame({
  jsonrpc: "2.0",
  id: 1,
  method: "call",
  params: { method: "echo", input: { n: 1 } },
});
const manyFrames = new Uint8Array(oneFrame.length * PIPELINED);
for (let i = 0; i < PIPELINED; i++) manyFrames.set(oneFrame, i * oneFrame.length);
// Keep the decoder honest in the baseline too: frames are parsed on the way back.
const decoder = new FrameDecoder();

Deno.bench({
  name: "bare deno run of an empty script",
  group: "spawn",
  baseline: true,
  async fn(): Promise<void> {
    await new Deno.Command(Deno.execPath(), { args: ["run", "--no-prompt", empty] }).output();
  },
});

Deno.bench({
  name: "spawn-to-ready of a minimal extension",
  group: "spawn",
  async fn(b): Promise<void> {
    b.start();
    await conductor.start("bench.cold");
    b.end();
    await conductor.stop("bench.cold");
  },
});

Deno.bench({
  name: "raw byte echo of one frame",
  group: "round trip",
  baseline: true,
  async fn(): Promise<void> {
    await echoRoundTrip(oneFrame);
    decoder.push(oneFrame);
  },
});

Deno.bench({
  name: "sequential call round trip",
  group: "round trip",
  async fn(): Promise<void> {
    await warm.call("echo", { n: 1 }, { timeoutMs: 60_000 });
  },
});

Deno.bench({
  name: `raw byte echo of ${PIPELINED} frames`,
  group: "pipelined",
  baseline: true,
  async fn(): Promise<void> {
    await echoRoundTrip(manyFrames);
    decoder.push(manyFrames);
  },
});

Deno.bench({
  name: `${PIPELINED} pipelined calls`,
  group: "pipelined",
  async fn(): Promise<void> {
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < PIPELINED; i++) {
      calls.push(warm.call("echo", { n: i }, { timeoutMs: 60_000 }));
    }
    await Promise.all(calls);
  },
});

globalThis.addEventListener("unload", () => {
  echo.kill("SIGKILL");
  Deno.removeSync(root, { recursive: true });
});
