import assert from "node:assert/strict";
import type { Manifest } from "./manifest_schema.ts";
import {
  type Resolution,
  type ResolutionProblem,
  resolveDependencies,
  type ResolveDependenciesOptions,
} from "./resolve_dependencies.ts";

/** The host version every test passes explicitly, so that none depends on deno.json. */
const HOST = "1.4.0";

interface ExtOptions {
  dependencies?: Record<string, string>;
  optional?: Record<string, string>;
  peer?: Record<string, string>;
  /** The `engines.symphony` range; none when left out. */
  symphony?: string;
}

/** A manifest with only the fields resolution reads. */
function ext(id: string, version: string, options: ExtOptions = {}): Manifest {
  return {
    id,
    version,
    dependencies: options.dependencies ?? {},
    optional_dependencies: options.optional ?? {},
    peer_dependencies: options.peer ?? {},
    ...(options.symphony === undefined ? {} : { engines: { symphony: options.symphony } }),
  } as Manifest;
}

/** Groups manifests by id, in the order given, as `available` expects. */
function catalog(...manifests: Manifest[]): Map<string, Manifest[]> {
  const available = new Map<string, Manifest[]>();
  for (const manifest of manifests) {
    available.set(manifest.id, [...available.get(manifest.id) ?? [], manifest]);
  }
  return available;
}

function resolve(
  available: Map<string, Manifest[]>,
  roots: ResolveDependenciesOptions["roots"],
  options: Partial<ResolveDependenciesOptions> = {},
): Resolution {
  return resolveDependencies({ available, roots, hostVersion: HOST, ...options });
}

function label(manifest: Manifest): string {
  return `${manifest.id}@${manifest.version}`;
}

/** The load order as `id@version` labels; fails the test when resolution failed. */
function orderOf(result: Resolution): string[] {
  assert.ok(result.ok, `expected success, got ${JSON.stringify(result)}`);
  return result.order.map(label);
}

/** The chosen version per id; fails the test when resolution failed. */
function selectedOf(result: Resolution): Record<string, string> {
  assert.ok(result.ok, `expected success, got ${JSON.stringify(result)}`);
  for (const [id, manifest] of result.selected) assert.equal(manifest.id, id);
  return Object.fromEntries([...result.selected].map(([id, m]) => [id, m.version]));
}

/** The single problem of a failed resolution. */
function onlyProblem(result: Resolution): ResolutionProblem {
  assert.equal(result.ok, false, `expected failure, got ${JSON.stringify(result)}`);
  assert.ok(!result.ok);
  assert.equal(result.problems.length, 1, JSON.stringify(result.problems));
  const [problem] = result.problems;
  assert.ok(problem !== undefined);
  return problem;
}

Deno.test("resolveDependencies() picks the highest version that satisfies every range", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.lib": "^1.2.0" } }),
    ext("acme.lib", "1.0.0"),
    ext("acme.lib", "1.9.3"),
    ext("acme.lib", "1.2.0"),
    ext("acme.lib", "2.0.0"),
    ext("acme.lib", "1.10.0-beta.1"),
  );
  const result = resolve(available, [{ id: "acme.app" }]);
  assert.deepEqual(selectedOf(result), { "acme.app": "1.0.0", "acme.lib": "1.9.3" });
  assert.deepEqual(orderOf(result), ["acme.lib@1.9.3", "acme.app@1.0.0"]);
  assert.ok(result.ok);
  assert.deepEqual(result.warnings, []);
  // The selection hands back the very manifests it was given.
  assert.equal(result.selected.get("acme.lib"), available.get("acme.lib")?.[1]);
});

Deno.test("resolveDependencies() loads every extension after all of its dependencies", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.ui": "^1", "acme.core": "^1" } }),
    ext("acme.ui", "1.0.0", { dependencies: { "acme.theme": "^1", "acme.core": "^1" } }),
    ext("acme.theme", "1.0.0", { dependencies: { "acme.core": "^1" } }),
    ext("acme.core", "1.0.0"),
  );
  const order = orderOf(resolve(available, [{ id: "acme.app" }]));
  assert.deepEqual(order, [
    "acme.core@1.0.0",
    "acme.theme@1.0.0",
    "acme.ui@1.0.0",
    "acme.app@1.0.0",
  ]);
});

Deno.test("resolveDependencies() chooses one shared version in a diamond, loaded before both users", () => {
  const available = catalog(
    ext("acme.a", "1.0.0", { dependencies: { "acme.b": "^1", "acme.c": "^1" } }),
    ext("acme.b", "1.0.0", { dependencies: { "acme.d": "^1" } }),
    ext("acme.c", "1.0.0", { dependencies: { "acme.d": "^1.2" } }),
    ext("acme.d", "1.0.0"),
    ext("acme.d", "1.1.0"),
    ext("acme.d", "1.2.0"),
    ext("acme.d", "1.5.1"),
    ext("acme.d", "2.0.0"),
  );
  const result = resolve(available, [{ id: "acme.a" }]);
  assert.deepEqual(selectedOf(result), {
    "acme.a": "1.0.0",
    "acme.b": "1.0.0",
    "acme.c": "1.0.0",
    "acme.d": "1.5.1",
  });
  const order = orderOf(result);
  assert.equal(order.filter((l) => l.startsWith("acme.d@")).length, 1);
  assert.equal(order.length, 4);
  const at = (l: string): number => order.indexOf(l);
  assert.ok(at("acme.d@1.5.1") < at("acme.b@1.0.0"), order.join(", "));
  assert.ok(at("acme.d@1.5.1") < at("acme.c@1.0.0"), order.join(", "));
  assert.ok(at("acme.b@1.0.0") < at("acme.a@1.0.0"), order.join(", "));
  assert.ok(at("acme.c@1.0.0") < at("acme.a@1.0.0"), order.join(", "));
});

Deno.test("resolveDependencies() reports a conflict that no version can satisfy, naming both requirers and ranges", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.b": "^1", "acme.c": "^1" } }),
    ext("acme.b", "1.3.0", { dependencies: { "acme.d": "^1" } }),
    ext("acme.c", "1.1.0", { dependencies: { "acme.d": "^2" } }),
    ext("acme.d", "1.0.0"),
    ext("acme.d", "2.0.0"),
  );
  const problem = onlyProblem(resolve(available, [{ id: "acme.app" }]));
  assert.equal(problem.kind, "conflict");
  assert.equal(problem.id, "acme.d");
  assert.match(
    problem.message,
    /^acme\.d: acme\.b@1\.3\.0 requires \^1 but acme\.c@1\.1\.0 requires \^2; no version fits both \(available: 1\.0\.0, 2\.0\.0\)$/,
  );
});

Deno.test("resolveDependencies() reports a conflict with a version already chosen", () => {
  // acme.d is chosen (1.0.0) before acme.b, whose requirement then rules it out.
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.d": "^1", "acme.b": "^1" } }),
    ext("acme.b", "1.0.0", { dependencies: { "acme.d": ">=2" } }),
    ext("acme.d", "1.0.0"),
    ext("acme.d", "2.0.0"),
  );
  const problem = onlyProblem(resolve(available, [{ id: "acme.app" }]));
  assert.equal(problem.kind, "conflict");
  assert.equal(problem.id, "acme.d");
  assert.match(
    problem.message,
    /^acme\.d: acme\.app@1\.0\.0 requires \^1 but acme\.b@1\.0\.0 requires >=2; 1\.0\.0 was chosen$/,
  );
});

Deno.test("resolveDependencies() backtracks to an older version when the newest brings a conflict", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.lib": "^1", "acme.util": "^1" } }),
    ext("acme.lib", "1.0.0", { dependencies: { "acme.util": "^1.0.0" } }),
    ext("acme.lib", "1.1.0", { dependencies: { "acme.util": "^2.0.0" } }),
    ext("acme.lib", "1.2.0", { dependencies: { "acme.util": "^2.1.0" } }),
    ext("acme.util", "1.3.0"),
    ext("acme.util", "2.1.0"),
  );
  const result = resolve(available, [{ id: "acme.app" }]);
  assert.deepEqual(selectedOf(result), {
    "acme.app": "1.0.0",
    "acme.lib": "1.0.0",
    "acme.util": "1.3.0",
  });
  assert.deepEqual(orderOf(result), ["acme.util@1.3.0", "acme.lib@1.0.0", "acme.app@1.0.0"]);
  assert.ok(result.ok);
  assert.deepEqual(result.warnings, []);
});

Deno.test("resolveDependencies() backtracks on a version chosen earlier when a later requirement rules it out", () => {
  // acme.d is chosen at 1.5.0 (highest ^1) before acme.e asks for ~1.2.
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.b": "^1", "acme.c": "^1" } }),
    ext("acme.b", "1.0.0", { dependencies: { "acme.d": "^1" } }),
    ext("acme.c", "1.0.0", { dependencies: { "acme.e": "^1" } }),
    ext("acme.e", "1.0.0", { dependencies: { "acme.d": "~1.2.0" } }),
    ext("acme.d", "1.2.3"),
    ext("acme.d", "1.2.7"),
    ext("acme.d", "1.5.0"),
  );
  const result = resolve(available, [{ id: "acme.app" }]);
  assert.equal(selectedOf(result)["acme.d"], "1.2.7");
  const order = orderOf(result);
  assert.ok(order.indexOf("acme.d@1.2.7") < order.indexOf("acme.e@1.0.0"));
  assert.ok(order.indexOf("acme.e@1.0.0") < order.indexOf("acme.c@1.0.0"));
});

Deno.test("resolveDependencies() reports a dependency cycle with its path", () => {
  const available = catalog(
    ext("acme.a", "1.0.0", { dependencies: { "acme.b": "^1" } }),
    ext("acme.b", "1.0.0", { dependencies: { "acme.a": "^1" } }),
  );
  const problem = onlyProblem(resolve(available, [{ id: "acme.a" }]));
  assert.equal(problem.kind, "cycle");
  assert.equal(problem.id, "acme.a");
  assert.match(problem.message, /^dependency cycle: acme\.a -> acme\.b -> acme\.a$/);
});

Deno.test("resolveDependencies() reports a longer cycle and one through an optional dependency", async (t) => {
  await t.step("three extensions", () => {
    const available = catalog(
      ext("acme.app", "1.0.0", { dependencies: { "acme.x": "^1" } }),
      ext("acme.x", "1.0.0", { dependencies: { "acme.y": "^1" } }),
      ext("acme.y", "1.0.0", { dependencies: { "acme.z": "^1" } }),
      ext("acme.z", "1.0.0", { dependencies: { "acme.x": "^1" } }),
    );
    const problem = onlyProblem(resolve(available, [{ id: "acme.app" }]));
    assert.equal(problem.kind, "cycle");
    assert.match(problem.message, /^dependency cycle: acme\.x -> acme\.y -> acme\.z -> acme\.x$/);
  });
  await t.step("closed by an optional dependency", () => {
    const available = catalog(
      ext("acme.a", "1.0.0", { dependencies: { "acme.b": "^1" } }),
      ext("acme.b", "1.0.0", { optional: { "acme.a": "^1" } }),
    );
    const problem = onlyProblem(resolve(available, [{ id: "acme.a" }]));
    assert.equal(problem.kind, "cycle");
    assert.match(problem.message, /^dependency cycle: acme\.a -> acme\.b -> acme\.a$/);
  });
  await t.step("an extension that requires itself", () => {
    const available = catalog(ext("acme.a", "1.0.0", { dependencies: { "acme.a": "^1" } }));
    const problem = onlyProblem(resolve(available, [{ id: "acme.a" }]));
    assert.equal(problem.kind, "cycle");
    assert.match(problem.message, /^dependency cycle: acme\.a -> acme\.a$/);
  });
});

Deno.test("resolveDependencies() reports a missing required dependency and who requires it", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.lib": "^1" } }),
    ext("acme.lib", "1.2.0", { dependencies: { "acme.ghost": "^3.1.0" } }),
  );
  const problem = onlyProblem(resolve(available, [{ id: "acme.app" }]));
  assert.equal(problem.kind, "missing");
  assert.equal(problem.id, "acme.ghost");
  assert.match(
    problem.message,
    /^acme\.ghost is not available, but acme\.lib@1\.2\.0 requires \^3\.1\.0$/,
  );
});

Deno.test("resolveDependencies() reports a requested extension that is not available", () => {
  const problem = onlyProblem(resolve(catalog(), [{ id: "acme.nowhere" }]));
  assert.equal(problem.kind, "missing");
  assert.equal(problem.id, "acme.nowhere");
  assert.match(problem.message, /^acme\.nowhere is not available, but the request asks for \*$/);
});

Deno.test("resolveDependencies() leaves out a missing optional dependency with a warning", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", {
      dependencies: { "acme.lib": "^1" },
      optional: { "acme.extra": "^2" },
    }),
    ext("acme.lib", "1.0.0"),
  );
  const result = resolve(available, [{ id: "acme.app" }]);
  assert.deepEqual(selectedOf(result), { "acme.app": "1.0.0", "acme.lib": "1.0.0" });
  assert.deepEqual(orderOf(result), ["acme.lib@1.0.0", "acme.app@1.0.0"]);
  assert.ok(result.ok);
  assert.equal(result.warnings.length, 1);
  const [warning] = result.warnings;
  assert.equal(warning?.kind, "optional");
  assert.equal(warning?.id, "acme.extra");
  assert.match(
    warning?.message ?? "",
    /^acme\.extra is not available, but acme\.app@1\.0\.0 optionally requires \^2; left out$/,
  );
});

Deno.test("resolveDependencies() leaves out an optional dependency when no available version fits", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { optional: { "acme.extra": "^2" } }),
    ext("acme.extra", "1.0.0"),
    ext("acme.extra", "3.0.0"),
  );
  const result = resolve(available, [{ id: "acme.app" }]);
  assert.deepEqual(selectedOf(result), { "acme.app": "1.0.0" });
  assert.ok(result.ok);
  assert.deepEqual(result.warnings.map((w) => [w.kind, w.id]), [["optional", "acme.extra"]]);
  assert.match(
    result.warnings[0]?.message ?? "",
    /^acme\.extra: no version fits: acme\.app@1\.0\.0 optionally requires \^2 \(available: 1\.0\.0, 3\.0\.0\); left out$/,
  );
});

Deno.test("resolveDependencies() includes an optional dependency that is available, loaded first", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { optional: { "acme.extra": "^2" } }),
    ext("acme.extra", "2.0.0"),
    ext("acme.extra", "2.3.0"),
    ext("acme.extra", "3.0.0"),
  );
  const result = resolve(available, [{ id: "acme.app" }]);
  assert.deepEqual(selectedOf(result), { "acme.app": "1.0.0", "acme.extra": "2.3.0" });
  assert.deepEqual(orderOf(result), ["acme.extra@2.3.0", "acme.app@1.0.0"]);
  assert.ok(result.ok);
  assert.deepEqual(result.warnings, []);
});

Deno.test("resolveDependencies() accepts a peer dependency satisfied by a requested extension", () => {
  const available = catalog(
    ext("acme.host", "1.0.0"),
    ext("acme.host", "1.6.0"),
    ext("acme.host", "2.0.0"),
    ext("acme.plugin", "1.0.0", { peer: { "acme.host": "^1.5" } }),
  );
  const host = { id: "acme.host" };
  const plugin = { id: "acme.plugin" };
  for (const roots of [[host, plugin], [plugin, host]]) {
    const result = resolve(available, roots);
    // The peer range steers the choice away from the newest acme.host.
    assert.deepEqual(selectedOf(result), { "acme.host": "1.6.0", "acme.plugin": "1.0.0" });
    assert.deepEqual(orderOf(result), ["acme.host@1.6.0", "acme.plugin@1.0.0"]);
  }
});

Deno.test("resolveDependencies() accepts a peer dependency satisfied by a requested extension's dependency", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.lib": "^1", "acme.plugin": "^1" } }),
    ext("acme.plugin", "1.0.0", { peer: { "acme.lib": "~1.2.0" } }),
    ext("acme.lib", "1.2.0"),
    ext("acme.lib", "1.2.4"),
    ext("acme.lib", "1.3.0"),
  );
  const result = resolve(available, [{ id: "acme.app" }]);
  // acme.lib is chosen (1.3.0) before the peer range is known, so this needs backtracking.
  assert.deepEqual(selectedOf(result), {
    "acme.app": "1.0.0",
    "acme.lib": "1.2.4",
    "acme.plugin": "1.0.0",
  });
  assert.deepEqual(orderOf(result), ["acme.lib@1.2.4", "acme.plugin@1.0.0", "acme.app@1.0.0"]);
});

Deno.test("resolveDependencies() never installs a peer that was not requested, even when available", () => {
  const available = catalog(
    ext("acme.plugin", "1.0.0", { peer: { "acme.host": "^1" } }),
    ext("acme.host", "1.0.0"),
  );
  const problem = onlyProblem(resolve(available, [{ id: "acme.plugin" }]));
  assert.equal(problem.kind, "peer");
  assert.equal(problem.id, "acme.host");
  assert.match(
    problem.message,
    /^acme\.plugin@1\.0\.0 needs the peer acme\.host \^1, which is not among the requested extensions or their dependencies; add it to the request$/,
  );
});

Deno.test("resolveDependencies() fails when the peer is present at a version outside the peer range", async (t) => {
  const available = catalog(
    ext("acme.host", "2.0.0"),
    ext("acme.plugin", "1.0.0", { peer: { "acme.host": "^1" } }),
  );
  await t.step("host requested first", () => {
    const problem = onlyProblem(
      resolve(available, [{ id: "acme.host" }, { id: "acme.plugin" }]),
    );
    assert.equal(problem.kind, "conflict");
    assert.equal(problem.id, "acme.host");
    assert.match(
      problem.message,
      /^acme\.host: the request asks for \* but acme\.plugin@1\.0\.0 requires the peer \^1; 2\.0\.0 was chosen$/,
    );
  });
  await t.step("plugin requested first", () => {
    const problem = onlyProblem(
      resolve(available, [{ id: "acme.plugin" }, { id: "acme.host" }]),
    );
    assert.equal(problem.kind, "conflict");
    assert.equal(problem.id, "acme.host");
    assert.match(
      problem.message,
      /^acme\.host: the request asks for \* but acme\.plugin@1\.0\.0 requires the peer \^1; no version fits both \(available: 2\.0\.0\)$/,
    );
  });
});

Deno.test("resolveDependencies() skips versions whose engines.symphony excludes the host", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.lib": "^1" } }),
    ext("acme.lib", "1.0.0", { symphony: "^1.0.0" }),
    ext("acme.lib", "1.1.0"),
    ext("acme.lib", "1.2.0", { symphony: ">=1.4.0 <1.5.0" }),
    ext("acme.lib", "1.3.0", { symphony: "^1.5.0" }),
    ext("acme.lib", "1.4.0", { symphony: "^2.0.0" }),
  );
  assert.equal(selectedOf(resolve(available, [{ id: "acme.app" }]))["acme.lib"], "1.2.0");
  const newer = resolve(available, [{ id: "acme.app" }], { hostVersion: "1.5.2" });
  assert.equal(selectedOf(newer)["acme.lib"], "1.3.0");
  const older = resolve(available, [{ id: "acme.app" }], { hostVersion: "0.9.0" });
  assert.equal(selectedOf(older)["acme.lib"], "1.1.0");
});

Deno.test("resolveDependencies() reports an engines problem when every fitting version needs another host", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.lib": "^1" } }),
    ext("acme.lib", "1.0.0", { symphony: "^2.0.0" }),
    ext("acme.lib", "1.1.0", { symphony: ">=3" }),
    ext("acme.lib", "2.0.0"),
  );
  const problem = onlyProblem(resolve(available, [{ id: "acme.app" }]));
  assert.equal(problem.kind, "engines");
  assert.equal(problem.id, "acme.lib");
  assert.match(
    problem.message,
    /^acme\.lib: every version that fits needs another host \(1\.0\.0 needs symphony \^2\.0\.0, 1\.1\.0 needs symphony >=3; this host is 1\.4\.0\): acme\.app@1\.0\.0 requires \^1$/,
  );
});

Deno.test("resolveDependencies() respects the range a root asks for", () => {
  const available = catalog(
    ext("acme.lib", "1.0.0"),
    ext("acme.lib", "1.7.0"),
    ext("acme.lib", "2.0.0"),
  );
  assert.deepEqual(selectedOf(resolve(available, [{ id: "acme.lib", range: "^1" }])), {
    "acme.lib": "1.7.0",
  });
  assert.deepEqual(selectedOf(resolve(available, [{ id: "acme.lib" }])), { "acme.lib": "2.0.0" });
  const problem = onlyProblem(resolve(available, [{ id: "acme.lib", range: "^3" }]));
  assert.equal(problem.kind, "missing");
  assert.match(
    problem.message,
    /^acme\.lib: no version fits: the request asks for \^3 \(available: 1\.0\.0, 1\.7\.0, 2\.0\.0\)$/,
  );
});

Deno.test("resolveDependencies() gives up with a limit problem when maxAttempts is 0", () => {
  const available = catalog(ext("acme.lib", "1.0.0"));
  const problem = onlyProblem(resolve(available, [{ id: "acme.lib" }], { maxAttempts: 0 }));
  assert.equal(problem.kind, "limit");
  assert.match(problem.message, /^Cannot resolve dependencies: gave up after trying 0 versions$/);
});

// Giving up must say so, not report an earlier dead end: a working combination may lie
// beyond the limit.
Deno.test("resolveDependencies() reports kind limit when it gives up before finding a solution", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.lib": "*" } }),
    ext("acme.lib", "3.0.0", { dependencies: { "acme.ghost": "^1" } }),
    ext("acme.lib", "2.0.0", { dependencies: { "acme.ghost": "^1" } }),
    ext("acme.lib", "1.0.0"),
  );
  // A solution exists: with the default limit, acme.lib@1.0.0 is chosen.
  assert.equal(selectedOf(resolve(available, [{ id: "acme.app" }]))["acme.lib"], "1.0.0");
  // With room for only two candidates (acme.app, acme.lib@3.0.0), the search must give up.
  const problem = onlyProblem(resolve(available, [{ id: "acme.app" }], { maxAttempts: 2 }));
  assert.equal(problem.kind, "limit", JSON.stringify(problem));
  assert.match(problem.message, /^Cannot resolve dependencies: gave up after trying 2 versions$/);
});

Deno.test("resolveDependencies() backtracks to a version that avoids a cycle", () => {
  const available = catalog(
    ext("acme.a", "1.0.0", { dependencies: { "acme.b": "^1" } }),
    ext("acme.b", "1.1.0", { dependencies: { "acme.a": "^1" } }),
    ext("acme.b", "1.0.0"),
  );
  assert.deepEqual(orderOf(resolve(available, [{ id: "acme.a" }])), [
    "acme.b@1.0.0",
    "acme.a@1.0.0",
  ]);
});

Deno.test("resolveDependencies() backtracks to a version whose peers are present", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { dependencies: { "acme.lib": "^1" } }),
    ext("acme.lib", "1.1.0", { peer: { "acme.host": "^1" } }),
    ext("acme.lib", "1.0.0"),
    ext("acme.host", "1.0.0"),
  );
  assert.deepEqual(orderOf(resolve(available, [{ id: "acme.app" }])), [
    "acme.lib@1.0.0",
    "acme.app@1.0.0",
  ]);
});

Deno.test("resolveDependencies() leaves out an optional dependency whose own dependencies fail", () => {
  const available = catalog(
    ext("acme.app", "1.0.0", { optional: { "acme.extra": "^1" } }),
    ext("acme.extra", "1.0.0", { dependencies: { "acme.ghost": "^1" } }),
  );
  const result = resolve(available, [{ id: "acme.app" }]);
  assert.deepEqual(orderOf(result), ["acme.app@1.0.0"]);
  assert.ok(result.ok);
  assert.deepEqual(result.warnings.map((w) => [w.kind, w.id, w.message]), [[
    "optional",
    "acme.extra",
    "acme.extra: none of its versions can be installed with the rest; left out",
  ]]);
});

Deno.test("resolveDependencies() accepts a plugin that names its host as a peer", () => {
  const available = catalog(
    ext("acme.host", "1.0.0", { dependencies: { "acme.plugin": "^1" } }),
    ext("acme.plugin", "1.0.0", { peer: { "acme.host": "^1" } }),
  );
  assert.deepEqual(orderOf(resolve(available, [{ id: "acme.host" }])), [
    "acme.plugin@1.0.0",
    "acme.host@1.0.0",
  ]);
});
