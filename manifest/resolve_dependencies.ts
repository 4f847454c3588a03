/**
 * Dependency resolution: one version per extension id that satisfies every
 * range, preferring the highest, backtracking on conflict, and a load order
 * with dependencies first.
 *
 * @module
 */
// @ts-types="@types/semver"
import * as semver from "semver";
import { SYMPHONY_VERSION } from "../version.ts";
import { supportsHost } from "./supports_host.ts";
import type { Manifest } from "./manifest_schema.ts";

/** An extension the caller asks for: an id and, optionally, a range. */
export interface DependencyRoot {
  id: string;
  /** The versions acceptable. Default: any (`*`). */
  range?: string;
}

/** Options for {@linkcode resolveDependencies}. */
export interface ResolveDependenciesOptions {
  /** Every extension that can be chosen: id → the manifests of its versions. */
  available: ReadonlyMap<string, readonly Manifest[]>;
  /** What to resolve. */
  roots: readonly DependencyRoot[];
  /** The host version `engines.symphony` is checked against. Default: this host's version. */
  hostVersion?: string;
  /** How many candidate versions to try before giving up. Default: 10,000. */
  maxAttempts?: number;
}

/** Why resolution failed, or what it had to leave out. */
export interface ResolutionProblem {
  kind: "missing" | "conflict" | "cycle" | "peer" | "engines" | "optional" | "limit";
  /** The extension id the problem is about. */
  id: string;
  message: string;
}

/** The outcome of {@linkcode resolveDependencies}. */
export type Resolution =
  | {
    ok: true;
    /** The chosen manifest per id. */
    selected: Map<string, Manifest>;
    /** The chosen manifests in load order: every extension after its dependencies. */
    order: Manifest[];
    /** Optional dependencies that could not be had, and were left out. */
    warnings: ResolutionProblem[];
  }
  | { ok: false; problems: ResolutionProblem[]; warnings: ResolutionProblem[] };

type Kind = "root" | "required" | "optional" | "peer";

interface Requirement {
  by: string;
  range: string;
  kind: Kind;
}

interface State {
  selected: ReadonlyMap<string, Manifest>;
  requirements: ReadonlyMap<string, readonly Requirement[]>;
  queue: readonly string[];
  warnings: readonly ResolutionProblem[];
}

/**
 * Chooses one version of every extension the roots need.
 *
 * Required dependencies must resolve; optional ones are left out with a
 * warning when no version fits; peer dependencies constrain the version chosen
 * for the roots or their dependencies but are never added themselves.
 *
 * @param options The available extensions, the roots and the host version.
 * @returns The chosen versions and load order, or the problems that prevent one.
 *
 * @example A dependency is chosen and loads first
 * ```ts
 * import { resolveDependencies } from "./resolve_dependencies.ts";
 * import type { Manifest } from "./manifest_schema.ts";
 * import assert from "node:assert/strict";
 *
 * const ext = (id: string, version: string, dependencies = {}) =>
 *   ({ id, version, dependencies, optional_dependencies: {}, peer_dependencies: {} }) as Manifest;
 * const available = new Map([
 *   ["acme.app", [ext("acme.app", "1.0.0", { "acme.lib": "^1.0.0" })]],
 *   ["acme.lib", [ext("acme.lib", "1.0.0"), ext("acme.lib", "1.4.0"), ext("acme.lib", "2.0.0")]],
 * ]);
 * const result = resolveDependencies({ available, roots: [{ id: "acme.app" }] });
 * assert.ok(result.ok);
 * assert.deepEqual(result.order.map((m) => `${m.id}@${m.version}`), ["acme.lib@1.4.0", "acme.app@1.0.0"]);
 * ```
 */
export function resolveDependencies(options: ResolveDependenciesOptions): Resolution {
  const search = new Search(options);
  const requirements = new Map<string, Requirement[]>();
  for (const root of options.roots) {
    const list = requirements.get(root.id) ?? [];
    list.push({ by: "the request", range: root.range ?? "*", kind: "root" });
    requirements.set(root.id, list);
  }
  const start: State = {
    selected: new Map(),
    requirements,
    queue: [...new Set(options.roots.map((r) => r.id))],
    warnings: [],
  };
  const solved = search.solve(start);
  if (solved === undefined) return { ok: false, problems: [search.failure()], warnings: [] };
  return {
    ok: true,
    selected: new Map(solved.selected),
    order: loadOrder(solved.selected),
    warnings: [...solved.warnings],
  };
}

class Search {
  readonly #available: ReadonlyMap<string, readonly Manifest[]>;
  readonly #hostVersion: string;
  readonly #maxAttempts: number;
  #attempts = 0;
  #firstFailure: ResolutionProblem | undefined;

  constructor(options: ResolveDependenciesOptions) {
    this.#available = options.available;
    this.#hostVersion = options.hostVersion ?? SYMPHONY_VERSION;
    this.#maxAttempts = options.maxAttempts ?? 10_000;
  }

  // Why the search failed: the limit if it gave up, else the first dead end it met.
  failure(): ResolutionProblem {
    if (this.#attempts > this.#maxAttempts) {
      return {
        kind: "limit",
        id: "",
        message: `Cannot resolve dependencies: gave up after trying ${this.#maxAttempts} versions`,
      };
    }
    return this.#firstFailure ?? {
      kind: "conflict",
      id: "",
      message: "Cannot resolve dependencies: no combination of versions fits",
    };
  }

  solve(state: State): State | undefined {
    const [id, ...queue] = state.queue;
    if (id === undefined) {
      // Every id has a version. Peers and cycles are checked here so that a dead end backtracks.
      const problem = missingPeers(state.selected)[0] ?? cycles(state.selected)[0];
      if (problem === undefined) return state;
      this.#fail(problem);
      return undefined;
    }
    if (state.selected.has(id)) return this.solve({ ...state, queue });
    const requirements = state.requirements.get(id) ?? [];
    const candidates = this.#candidates(id, requirements);
    const problem = candidates.length === 0 ? this.#unsatisfiable(id, requirements) : undefined;
    for (const candidate of candidates) {
      if (++this.#attempts > this.#maxAttempts) return undefined;
      const next = this.#select(state, queue, candidate);
      const solved = next === undefined ? undefined : this.solve(next);
      if (solved !== undefined) return solved;
      if (this.#attempts > this.#maxAttempts) return undefined;
    }
    // Only optional dependencies want it: leave it out rather than fail.
    if (requirements.every((r) => r.kind === "optional")) {
      const why = problem?.message ?? `${id}: none of its versions can be installed with the rest`;
      const warning = { kind: "optional" as const, id, message: `${why}; left out` };
      return this.solve({ ...state, queue, warnings: [...state.warnings, warning] });
    }
    if (problem !== undefined) this.#fail(problem);
    return undefined;
  }

  // Chooses `candidate`, adds its requirements, and checks them against what is already chosen.
  #select(state: State, queue: readonly string[], candidate: Manifest): State | undefined {
    const selected = new Map(state.selected).set(candidate.id, candidate);
    const requirements = new Map(state.requirements);
    const by = `${candidate.id}@${candidate.version}`;
    const added: string[] = [];
    const tables: [Kind, Record<string, string>][] = [
      ["required", candidate.dependencies],
      ["optional", candidate.optional_dependencies],
      ["peer", candidate.peer_dependencies],
    ];
    for (const [kind, table] of tables) {
      for (const [dependency, range] of Object.entries(table)) {
        const list = [...requirements.get(dependency) ?? [], { by, range, kind }];
        requirements.set(dependency, list);
        const chosen = selected.get(dependency);
        if (chosen !== undefined && !satisfies(chosen.version, range)) {
          this.#fail(conflict(dependency, list, chosen.version));
          return undefined;
        }
        if (kind !== "peer") added.push(dependency);
      }
    }
    return { ...state, selected, requirements, queue: [...queue, ...added] };
  }

  #candidates(id: string, requirements: readonly Requirement[]): Manifest[] {
    return (this.#available.get(id) ?? [])
      .filter((m) => requirements.every((r) => satisfies(m.version, r.range)))
      .filter((m) => this.#runsHere(m))
      .toSorted((a, b) => semver.rcompare(a.version, b.version));
  }

  #runsHere(manifest: Manifest): boolean {
    const range = manifest.engines?.symphony;
    return range === undefined || supportsHost(range, this.#hostVersion);
  }

  #unsatisfiable(id: string, requirements: readonly Requirement[]): ResolutionProblem {
    const versions = this.#available.get(id) ?? [];
    const asked = requirements.map(describe).join(" and ");
    if (versions.length === 0) {
      return { kind: "missing", id, message: `${id} is not available, but ${asked}` };
    }
    const fitting = versions.filter((m) =>
      requirements.every((r) => satisfies(m.version, r.range))
    );
    if (fitting.length > 0) {
      const needs = fitting.map((m) => `${m.version} needs symphony ${m.engines?.symphony}`)
        .join(", ");
      return {
        kind: "engines",
        id,
        message:
          `${id}: every version that fits needs another host (${needs}; this host is ${this.#hostVersion}): ${asked}`,
      };
    }
    const list = versions.map((m) => m.version).join(", ");
    for (const [i, a] of requirements.entries()) {
      for (const b of requirements.slice(i + 1)) {
        if (!versions.some((m) => satisfies(m.version, a.range) && satisfies(m.version, b.range))) {
          return conflict(id, [a, b], undefined, list);
        }
      }
    }
    return {
      kind: "missing",
      id,
      message: `${id}: no version fits: ${asked} (available: ${list})`,
    };
  }

  #fail(problem: ResolutionProblem): void {
    this.#firstFailure ??= problem;
  }
}

function conflict(
  id: string,
  requirements: readonly Requirement[],
  chosen?: string,
  available?: string,
): ResolutionProblem {
  const last = requirements.at(-1);
  const other =
    requirements.slice(0, -1).find((r) =>
      last !== undefined && !semver.intersects(r.range, last.range)
    ) ?? requirements.at(-2);
  const pair = [other, last].filter((r) => r !== undefined).map(describe).join(" but ");
  const detail = chosen !== undefined
    ? `${chosen} was chosen`
    : `no version fits both (available: ${available ?? "none"})`;
  return { kind: "conflict", id, message: `${id}: ${pair}; ${detail}` };
}

function describe(requirement: Requirement): string {
  const { by, range } = requirement;
  switch (requirement.kind) {
    case "root":
      return `${by} asks for ${range}`;
    case "required":
      return `${by} requires ${range}`;
    case "optional":
      return `${by} optionally requires ${range}`;
    case "peer":
      return `${by} requires the peer ${range}`;
  }
}

function satisfies(version: string, range: string): boolean {
  return semver.satisfies(version, range, { includePrerelease: false });
}

function missingPeers(selected: ReadonlyMap<string, Manifest>): ResolutionProblem[] {
  return [...selected.values()].flatMap((m) =>
    Object.entries(m.peer_dependencies)
      .filter(([peer]) => !selected.has(peer))
      .map(([peer, range]) => ({
        kind: "peer" as const,
        id: peer,
        message:
          `${m.id}@${m.version} needs the peer ${peer} ${range}, which is not among the requested extensions or their dependencies; add it to the request`,
      }))
  );
}

// The edges that order loading: required and optional dependencies. A peer only
// has to be present: a plugin commonly names its host as a peer while the host
// depends on the plugin, and that is no cycle.
function edges(manifest: Manifest, selected: ReadonlyMap<string, Manifest>): string[] {
  return [...Object.keys(manifest.dependencies), ...Object.keys(manifest.optional_dependencies)]
    .filter((id) => selected.has(id)).sort();
}

function cycles(selected: ReadonlyMap<string, Manifest>): ResolutionProblem[] {
  const done = new Set<string>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    const at = path.indexOf(id);
    if (at !== -1) return [...path.slice(at), id];
    if (done.has(id)) return undefined;
    const manifest = selected.get(id);
    for (const next of manifest === undefined ? [] : edges(manifest, selected)) {
      const cycle = visit(next, [...path, id]);
      if (cycle !== undefined) return cycle;
    }
    done.add(id);
    return undefined;
  };
  for (const id of [...selected.keys()].sort()) {
    const cycle = visit(id, []);
    if (cycle !== undefined) {
      return [{
        kind: "cycle",
        id: cycle[0] ?? id,
        message: `dependency cycle: ${cycle.join(" -> ")}`,
      }];
    }
  }
  return [];
}

function loadOrder(selected: ReadonlyMap<string, Manifest>): Manifest[] {
  const order: Manifest[] = [];
  const placed = new Set<string>();
  const place = (id: string): void => {
    const manifest = selected.get(id);
    if (placed.has(id) || manifest === undefined) return;
    placed.add(id);
    for (const next of edges(manifest, selected)) place(next);
    order.push(manifest);
  };
  for (const id of [...selected.keys()].sort()) place(id);
  return order;
}
