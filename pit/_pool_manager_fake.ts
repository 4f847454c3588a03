/**
 * The Pool Manager's test fixture: a fake factory that counts starts and
 * stops, and a manager on it with a clock set by hand.
 *
 * @module
 */
import type { SymphonyError } from "../symphony_error.ts";
import { type InstanceFactory, PoolManager, type PoolManagerOptions } from "./pool_manager.ts";

/** A factory for tests. Instances are strings "<extension>#<n>"; the factory counts starts and stops. */
export class FakeFactory implements InstanceFactory<string> {
  readonly started: string[] = [];
  readonly stopped: string[] = [];
  /** Resident bytes of each instance, by extension. */
  readonly bytes: Record<string, number> = {};
  /** Thrown by the next starts, in order. */
  readonly failures: unknown[] = [];
  /** While set, starts wait for it. */
  gate: PromiseWithResolvers<void> | undefined;
  stopFailure: unknown;
  #n = 0;

  start(extensionId: string): Promise<string> {
    if (this.failures.length > 0) return Promise.reject(this.failures.shift());
    const instance = `${extensionId}#${++this.#n}`;
    this.started.push(instance);
    return (this.gate?.promise ?? Promise.resolve()).then(() => instance);
  }

  stop(_extensionId: string, instance: string): Promise<void> {
    this.stopped.push(instance);
    return this.stopFailure === undefined ? Promise.resolve() : Promise.reject(this.stopFailure);
  }

  residentBytes(instance: string): number {
    return this.bytes[instance.split("#")[0] ?? ""] ?? 0;
  }
}

/** A manager on a fake factory and a clock set by hand. */
export interface Setup {
  pools: PoolManager<string>;
  factory: FakeFactory;
  clock: { now: number };
  errors: SymphonyError[];
}

/** A manager of 8 processes on a fake factory; `onError` collects into `errors`. */
export function setup(options: Partial<PoolManagerOptions<string>> = {}): Setup {
  const factory = new FakeFactory();
  const clock = { now: 0 };
  const errors: SymphonyError[] = [];
  const pools = new PoolManager<string>({
    factory,
    budget: { maxProcesses: 8 },
    now: () => clock.now,
    onError: (error) => errors.push(error),
    ...options,
  });
  return { pools, factory, clock, errors };
}

/** Checks out and in at once, at `at` on the clock. */
export async function use(s: Setup, extensionId: string, at: number): Promise<string> {
  s.clock.now = at;
  const checkout = await s.pools.checkout(extensionId);
  s.pools.checkin(checkout);
  return checkout.instance;
}
