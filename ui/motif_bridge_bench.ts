/**
 * The motif bridge round trip in Chromium (issue 7): a click on a motif's
 * button, the motif's `event` answering through the UI server with a
 * 200-node tree, and the page showing the new tree. It is timed inside the
 * page with `performance.now()`, from just before the click to the DOM
 * mutation that shows the new counter, beside a plain `fetch` of
 * `GET /api/session` to the same server from the same page. The two
 * alternate, each started on a settled page, so both see the same noise.
 *
 * Further rows say where the time goes: the round trip split where the
 * answer's last byte arrived (Resource Timing), then, with the page closed,
 * the same POST sent from the host over HTTP (the server and the motif, no
 * browser) and the motif's `event` called directly (no HTTP either).
 *
 * Target: a median under 16 ms (one frame). It is reported, never asserted:
 * the exit code is 0 whether the target is met or not, non-zero only when
 * the bench cannot run. It starts the real server (`serveUi`, the bundled
 * client) on a free port of 127.0.0.1 over a temporary `$SYMPHONY_HOME`, and
 * headless Chromium (`$CHROMIUM_PATH`, default `/usr/bin/chromium`).
 *
 * Run with `deno task bench:ui`. `deno bench` imports this file too and
 * finds nothing to run: only `deno run` measures.
 *
 * @module
 */
import { headlessChromium } from "./_headless_chromium.ts";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { Conductor } from "../conductor/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import { BENCH_MOTIF, installBenchMotif } from "./_install_bench_motif.ts";
import { latencyTable, percentile } from "./_latency_table.ts";
import { type ServedUi, serveUi } from "./mod.ts";

/** Timed iterations of each measurement. */
const ITERATIONS = 200;
/** Iterations run first and not timed: activation, JIT, connection reuse. */
const WARMUP = 20;
/** One frame at 60 Hz. */
const TARGET_MS = 16;
/** The longest one step in the page may take before the bench gives up. */
const STEP_TIMEOUT_MS = 10_000;

/** What {@linkcode measureInPage} needs; it crosses into the page as JSON. */
interface InPageOptions {
  iterations: number;
  warmup: number;
  /** The panel, observed for the new tree. */
  panelSelector: string;
  buttonSelector: string;
  /** The element whose text is the counter. */
  counterSelector: string;
  counterPrefix: string;
  /** The path the click posts to, to find its Resource Timing entry. */
  eventPath: string;
  /** The baseline's path. */
  fetchPath: string;
  timeoutMs: number;
}

/** The times measured in the page, in ms, one per timed iteration. */
interface InPageSamples {
  /** Click → the DOM shows the new tree. */
  bridge: number[];
  /** Click → the answer's last byte. */
  request: number[];
  /** The answer's last byte → the DOM shows the new tree. */
  render: number[];
  /** `fetch` → its JSON parsed. */
  fetch: number[];
}

/** The few page globals {@linkcode measureInPage} uses (this file is checked without the DOM library). */
interface PageGlobals {
  document: { querySelector(selector: string): PageElement | null };
  MutationObserver: new (callback: () => void) => {
    observe(target: PageElement, options: Record<string, boolean>): void;
    disconnect(): void;
  };
  performance: {
    now(): number;
    clearResourceTimings(): void;
    getEntriesByType(type: "resource"): { name: string; responseEnd: number }[];
  };
  fetch: typeof fetch;
  requestAnimationFrame(callback: () => void): number;
  setTimeout: typeof setTimeout;
  clearTimeout: typeof clearTimeout;
}

interface PageElement {
  textContent: string | null;
  matches(selector: string): boolean;
  click(): void;
}

/**
 * Runs in the page (playwright serializes it: it uses nothing from this
 * module). Each iteration waits for the page to settle, clicks the motif's
 * button and waits, with a MutationObserver, for the counter to show the
 * next value; then it waits to settle again and times one plain `fetch`.
 * Warm-up iterations are run and dropped.
 *
 * Settled means no request of the page in flight for two frames: each call
 * moves the motif to `busy` and back, and the page reloads the extension's
 * detail on those events. Without it every sample would land in the wake of
 * the one before (the user's clicks are not one frame apart either).
 */
async function measureInPage(options: InPageOptions): Promise<InPageSamples> {
  const page = globalThis as unknown as PageGlobals;
  const { document, performance } = page;
  const find = (selector: string): PageElement => {
    const element = document.querySelector(selector);
    if (element === null) throw new Error(`Cannot measure: no ${selector} in the page`);
    return element;
  };
  const timeout = (what: string): Error =>
    new Error(`Cannot measure: ${what} did not happen in ${options.timeoutMs} ms`);
  const panel = find(options.panelSelector);
  /** Resolves with the time at which `ready()` holds, checked on every change to the panel. */
  const until = (ready: () => boolean, what: string): Promise<number> =>
    new Promise((resolve, reject) => {
      if (ready()) return resolve(performance.now());
      const observer = new page.MutationObserver(() => {
        if (!ready()) return;
        const at = performance.now();
        observer.disconnect();
        page.clearTimeout(timer);
        resolve(at);
      });
      const timer = page.setTimeout(() => {
        observer.disconnect();
        reject(timeout(what));
      }, options.timeoutMs);
      observer.observe(panel, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true,
      });
    });
  // The page's requests in flight, counted by wrapping its fetch for the run.
  const fetch = page.fetch;
  let inFlight = 0;
  page.fetch = (input, init): Promise<Response> => {
    inFlight++;
    return fetch(input, init).finally(() => inFlight--);
  };
  const frame = (): Promise<void> => new Promise((resolve) => page.requestAnimationFrame(resolve));
  const settle = async (): Promise<void> => {
    const deadline = performance.now() + options.timeoutMs;
    for (let quiet = 0; quiet < 2; quiet = inFlight === 0 ? quiet + 1 : 0) {
      if (performance.now() > deadline) throw timeout("a quiet page");
      await frame();
    }
  };
  const counter = (): number => {
    const text = find(options.counterSelector).textContent ?? "";
    return Number(text.slice(options.counterPrefix.length));
  };

  const samples: InPageSamples = { bridge: [], request: [], render: [], fetch: [] };
  try {
    for (let i = 0; i < options.warmup + options.iterations; i++) {
      await settle();
      await until(() => !find(options.buttonSelector).matches(":disabled"), "the button enabled");
      const next = counter() + 1;
      performance.clearResourceTimings();
      const clicked = performance.now();
      find(options.buttonSelector).click();
      const shown = await until(() => counter() === next, `the counter at ${next}`);
      const answer = performance.getEntriesByType("resource")
        .findLast((entry) => entry.name.endsWith(options.eventPath));
      if (answer === undefined) {
        throw new Error(`Cannot measure: no timing of ${options.eventPath}`);
      }

      await settle();
      const sent = performance.now();
      const response = await fetch(options.fetchPath, {
        headers: { accept: "application/json" },
        credentials: "same-origin",
      });
      JSON.parse(await response.text());
      const received = performance.now();
      if (!response.ok) {
        throw new Error(`Cannot measure: ${options.fetchPath} is ${response.status}`);
      }

      if (i < options.warmup) continue;
      samples.bridge.push(shown - clicked);
      samples.request.push(answer.responseEnd - clicked);
      samples.render.push(shown - answer.responseEnd);
      samples.fetch.push(received - sent);
    }
  } finally {
    page.fetch = fetch;
  }
  return samples;
}

/** Opens the motif's page and checks that it shows the whole tree at count 0. */
async function openMotif(page: Page, url: string, id: string): Promise<void> {
  await page.goto(url);
  await page.getByRole("link", { name: id, exact: true }).click();
  const panel = page.locator("#motif-panel");
  await panel.getByText(`${BENCH_MOTIF.counterPrefix}0`, { exact: true }).waitFor();
  // The root's element, then one element per child.
  const shown = 1 + await panel.locator(".motif-tree > .motif-group > .motif-children > *").count();
  if (shown !== BENCH_MOTIF.nodes) {
    throw new SymphonyError(
      "Internal",
      `Cannot measure ${id}: the page shows ${shown} nodes, not ${BENCH_MOTIF.nodes}`,
    );
  }
}

/** Runs `once` for the warm-up, then times it for the iterations, in ms. */
async function timed(once: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const start = performance.now();
    await once();
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  return times;
}

/** Times the POST the page sends, sent from the host over HTTP: the server and the motif, no browser. */
async function timeServerPosts(served: ServedUi, id: string): Promise<number[]> {
  const origin = new URL(served.url).origin;
  const signIn = await fetch(served.url, { redirect: "manual" });
  await signIn.body?.cancel();
  const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
  const session = await fetch(`${origin}/api/session`, { headers: { cookie } });
  const { csrfToken } = await session.json() as { csrfToken: string };
  const url = `${origin}/api/extensions/${encodeURIComponent(id)}/panel/event`;
  const init = {
    method: "POST",
    headers: {
      cookie,
      origin,
      accept: "application/json",
      "content-type": "application/json",
      "x-csrf-token": csrfToken,
    },
    body: JSON.stringify({ id: BENCH_MOTIF.button, kind: "click" }),
  };
  return await timed(async () => {
    const response = await fetch(url, init);
    JSON.parse(await response.text());
    if (!response.ok) {
      throw new SymphonyError("Internal", `Cannot time ${url}: it answered ${response.status}`);
    }
  });
}

/** Sets up, measures, prints the table, and cleans up, also on an error or when `signal` aborts. */
async function main(signal: AbortSignal): Promise<void> {
  await using cleanup = new AsyncDisposableStack();

  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "symphony-bench-ui-" }));
  cleanup.defer(() => Deno.remove(root, { recursive: true }));
  const workspace = join(root, "workspace");
  await Deno.mkdir(workspace);
  const conductor = cleanup.use(new Conductor({ home: join(root, "home"), workspace }));
  const id = await installBenchMotif(conductor, join(root, "motif"));
  const served = cleanup.use(serveUi({ conductor, port: 0, signal }));

  // Imported here: loading playwright-core needs --allow-sys, which `deno bench` does not give.
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch(headlessChromium());
  cleanup.defer(() => browser.close());
  // Closing the browser ends a measurement under way: it rejects, and the stack cleans up.
  signal.addEventListener("abort", () => void browser.close(), { once: true });
  signal.throwIfAborted();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));

  await openMotif(page, served.url, id);
  const inPage = await page.evaluate(measureInPage, {
    iterations: ITERATIONS,
    warmup: WARMUP,
    panelSelector: "#motif-panel",
    buttonSelector: `#motif-panel button[data-motif-id="${BENCH_MOTIF.button}"]`,
    counterSelector: "#motif-panel .motif-tree .motif-text",
    counterPrefix: BENCH_MOTIF.counterPrefix,
    eventPath: `/api/extensions/${encodeURIComponent(id)}/panel/event`,
    fetchPath: "/api/session",
    timeoutMs: STEP_TIMEOUT_MS,
  });
  if (pageErrors.length > 0) {
    throw new SymphonyError("Internal", `Cannot measure: the page threw ${pageErrors.join("; ")}`);
  }
  // The rows that split the server's share, timed with the page closed.
  await page.close();
  const server = await timeServerPosts(served, id);
  const event = { id: BENCH_MOTIF.button, kind: "click" };
  const direct = await timed(async () => void await conductor.call(id, "event", event));

  const baseline = { label: "fetch GET /api/session (baseline)", samples: inPage.fetch };
  const bridge = {
    label: `motif bridge: click → ${BENCH_MOTIF.nodes}-node tree shown`,
    samples: inPage.bridge,
  };
  const median = percentile(bridge.samples, 0.5);
  const ratio = median / percentile(baseline.samples, 0.5);
  const [load] = Deno.loadavg();
  console.log(
    `Motif bridge round trip in headless Chromium: ${ITERATIONS} iterations after ${WARMUP} ` +
      `warm-up, interleaved with the baseline; ${navigator.hardwareConcurrency} cores, ` +
      `load average ${load?.toFixed(2)} (1 min, at the end)\n`,
  );
  console.log(latencyTable([
    baseline,
    bridge,
    { label: "  click → answer received", samples: inPage.request },
    { label: "  answer received → tree shown", samples: inPage.render },
    { label: "the same POST from the host (no browser)", samples: server },
    { label: "  the motif's event called directly", samples: direct },
  ], baseline));
  console.log(`\nratio of medians (bridge / fetch): ${ratio.toFixed(2)}×`);
  console.log(
    `target: median < ${TARGET_MS} ms: ${median < TARGET_MS ? "met" : "not met"} ` +
      `(${median.toFixed(2)} ms)`,
  );
}

if (import.meta.main) {
  const interrupted = new AbortController();
  const onInterrupt = (): void => interrupted.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    await main(interrupted.signal);
  } catch (error) {
    if (!interrupted.signal.aborted) throw error;
    console.error("Interrupted: the bench stopped and cleaned up.");
    Deno.exitCode = 130;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}
