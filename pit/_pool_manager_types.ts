/**
 * The public shapes of the {@linkcode PoolManager}: its options, its handles
 * and what it reports. Re-exported by `pool_manager.ts`.
 *
 * @module
 */
import { z } from "zod";
import type { SymphonyError } from "../symphony_error.ts";
import type { InstanceHealth } from "./_pool_manager_records.ts";

/** Starts and stops the instances (processes) of an extension. */
export interface InstanceFactory<T> {
  /** Starts one instance; a rejection fails the checkouts it was started for. */
  start(extensionId: string): Promise<T>;
  /** Stops one instance; a rejection is reported to `onError`. */
  stop(extensionId: string, instance: T): Promise<void>;
  /** Its resident memory now, in bytes. Without it the memory budget counts nothing. */
  residentBytes?(instance: T): number;
}

/** What all the pools together may hold. */
export interface PoolBudget {
  /** Instances (processes) at once, starting and stopping ones included; at least 1. */
  maxProcesses: number;
  /** Sum of `residentBytes` of the instances. Default: `Infinity`. */
  maxResidentBytes?: number;
}

/** The options of a {@linkcode PoolManager}. */
export interface PoolManagerOptions<T> {
  /** Starts and stops instances. */
  factory: InstanceFactory<T>;
  /** The global budget. */
  budget: PoolBudget;
  /** The clock, in ms; exported rates carry its time. Default: `Date.now`. */
  now?: () => number;
  /** Half-life of the call rates, in ms. Default: 600_000 (10 minutes). */
  halfLifeMs?: number;
  /** Call rate (calls per second) from which an extension is pre-warmed. Default: 1/60 (one a minute). */
  prewarmRate?: number;
  /** Failures nobody waits for (stops, background pre-warming). Default: `console.error`. */
  onError?: (error: SymphonyError) => void;
}

/** The limits of one extension's pool. */
export interface PoolConfig {
  /** Instances kept started by `ensureWarm()`. Default: 0. */
  minWarm?: number;
  /** Instances at most; 0 refuses every checkout. Default: 1. */
  maxInstances?: number;
  /** Calls in flight per instance (`resources.max_concurrency`). Default: 1. */
  maxConcurrency?: number;
}

/** The options of `checkout()`. */
export interface CheckoutOptions {
  /** Gives up waiting: the checkout rejects with a `Timeout` SymphonyError. */
  signal?: AbortSignal;
}

/** One checked-out slot of an instance. Dead after `checkin()`: the handle is reused. */
export interface Checkout<T> {
  /** The extension it is an instance of. */
  readonly extensionId: string;
  /** The instance to call. */
  readonly instance: T;
}

/** One instance, for UIs. */
export interface InstanceInfo<T> {
  /** Undefined while it starts. */
  instance: T | undefined;
  /** Out of rotation unless `healthy`. */
  health: InstanceHealth;
  /** Calls checked out on it now. */
  inFlight: number;
  /** When a call last went to it, or it finished starting (the manager's clock). */
  lastUsed: number;
  /** Its resident memory (the pool's guess while it starts); 0 without `residentBytes`. */
  residentBytes: number;
}

/** One extension's pool, for UIs. */
export interface ExtensionPoolStats {
  /** Instances, whatever their health. */
  count: number;
  /** Healthy instances with a call in flight. */
  busy: number;
  /** Healthy instances with none. */
  idle: number;
  /** Checkouts waiting for a slot. */
  waiting: number;
  /** Instances by health. */
  health: Record<InstanceHealth, number>;
  /** The decayed call rate, in calls per second. */
  callRate: number;
}

/** All the pools, for UIs. */
export interface PoolStats {
  /** Instances, all pools together. */
  processes: number;
  /** Their resident memory in bytes. */
  residentBytes: number;
  /** By extension id. */
  extensions: Record<string, ExtensionPoolStats>;
}

/** What `ensureWarm()` did. */
export interface WarmReport {
  /** The extension of each instance started, in start order. */
  started: string[];
  /** The starts that failed. */
  failed: { extensionId: string; error: SymphonyError }[];
}

/** The call rates to keep across a restart: `exportRates()` to `importRates()`. */
export const rateSnapshotSchema = z.object({
  /** When the rates were taken (the manager's clock, ms). */
  at: z.number(),
  /** Calls per second by extension id, as of `at`. */
  rates: z.record(z.string(), z.number().nonnegative()),
});

/** A snapshot of the call rates. */
export type RateSnapshot = z.infer<typeof rateSnapshotSchema>;
