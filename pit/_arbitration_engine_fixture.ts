/**
 * Private to the Arbitration Engine's tests: an engine on a clock the test
 * moves, and small helpers.
 *
 * @module
 */
import { SymphonyError } from "../symphony_error.ts";
import {
  ArbitrationEngine,
  type ArbitrationEngineOptions,
  type ArbitrationRequest,
} from "./arbitration_engine.ts";

/**
 * An engine on a clock the test moves, with resources `gpu` (capacity 1),
 * `net:api.example.com` (5), `file:/data/a` (3 readers), `x` and `y` (1).
 *
 * @param options Engine options; `now` defaults to the test's clock.
 * @returns The engine and its clock.
 */
export function setup(options: ArbitrationEngineOptions = {}): {
  engine: ArbitrationEngine;
  clock: { time: number };
} {
  const clock = { time: 0 };
  const engine = new ArbitrationEngine({ now: () => clock.time, ...options });
  engine.defineResource("gpu", { capacity: 1 });
  engine.defineResource("net:api.example.com", { capacity: 5 });
  engine.defineResource("file:/data/a", { capacity: 3 });
  engine.defineResource("x", { capacity: 1 });
  engine.defineResource("y", { capacity: 1 });
  return { engine, clock };
}

/**
 * @param holder Who asks.
 * @param extra Other request fields.
 * @returns A request for one unit of the gpu.
 */
export function gpu(holder: string, extra: Partial<ArbitrationRequest> = {}): ArbitrationRequest {
  return { holder, resources: [{ name: "gpu" }], ...extra };
}

/**
 * @param error What was thrown.
 * @returns Its code when it is a SymphonyError.
 */
export function code(error: unknown): string | undefined {
  return error instanceof SymphonyError ? error.code : undefined;
}
