import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { formatProblem } from "./problem.ts";
import { type ManifestValidation, validateManifest } from "./validate_manifest.ts";

const fixture = (name: string) => new URL(`../tests/fixtures/${name}/`, import.meta.url);

function operatorFixture(): Record<string, unknown> {
  return { ...parse(Deno.readTextFileSync(new URL("extension.toml", fixture("operator")))) };
}

/** A valid minimal operator manifest, with `changes` applied on top. */
function manifest(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    manifest_version: 1,
    id: "acme.formatter",
    name: "Formatter",
    version: "1.0.0",
    type: "operator",
    entry: "main.ts",
    engines: { symphony: "^0.1.0" },
    operator: { functions: [{ name: "format" }] },
    ...changes,
  };
}

function problems(result: ManifestValidation): string[] {
  return result.ok ? [] : result.problems.map(formatProblem);
}

function assertProblem(changes: Record<string, unknown>, expected: RegExp): void {
  const result = validateManifest(manifest(changes));
  assert.equal(result.ok, false, `expected ${expected} for ${JSON.stringify(changes)}`);
  const lines = problems(result);
  assert.ok(
    lines.some((line) => expected.test(line)),
    `expected ${expected}, got:\n${lines.join("\n")}`,
  );
}

Deno.test("validateManifest() accepts the fixtures of all three types", async (t) => {
  await t.step("operator (TOML)", () => {
    const result = validateManifest(operatorFixture());
    assert.ok(result.ok, problems(result).join("\n"));
    assert.equal(result.manifest.type, "operator");
    assert.deepEqual(result.manifest.permissions.read, ["${workspace}/src"]);
    assert.equal(result.manifest.settings["indent"]?.default, 2);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.escapes, []);
  });
  await t.step("instrument (TOML)", () => {
    const raw = parse(Deno.readTextFileSync(new URL("extension.toml", fixture("instrument"))));
    const result = validateManifest({ ...raw });
    assert.ok(result.ok, problems(result).join("\n"));
    assert.equal(result.manifest.instrument?.provider, "api");
  });
  await t.step("motif (JSON)", () => {
    const raw = JSON.parse(Deno.readTextFileSync(new URL("extension.json", fixture("motif"))));
    const result = validateManifest(raw);
    assert.ok(result.ok, problems(result).join("\n"));
    assert.equal(result.manifest.motif?.panels[0]?.location, "sidebar");
  });
});

Deno.test("validateManifest() fills in defaults for omitted sections", () => {
  const result = validateManifest(manifest());
  assert.ok(result.ok);
  assert.deepEqual(result.manifest.permissions, {
    read: [],
    write: [],
    net: [],
    env: [],
    sys: [],
    run: [],
  });
  assert.deepEqual(result.manifest.resources, {
    memory_mb: 128,
    timeout_ms: 5000,
    max_concurrency: 4,
    max_open_files: 256,
    instances: 1,
    leases: [],
  });
  assert.equal(result.manifest.activation, "lazy");
  assert.deepEqual(result.manifest.events, { publish: [], subscribe: [], calls: [] });
  assert.deepEqual(result.manifest.dependencies, {});
});

Deno.test("validateManifest() reports every problem, not just the first", () => {
  const result = validateManifest(manifest({
    id: "Not An Id",
    version: "one",
    permissions: { read: ["${workspace}/../etc"], net: ["https://x.com"] },
    resources: { memory_mb: "lots" },
  }));
  assert.deepEqual(problems(result), [
    'id: must be lower-case, dot-separated parts of letters, digits and "-", at least two parts, such as "acme.formatter"',
    'version: "one" is not a semantic version such as "1.2.0"',
    'permissions.read[0]: path leaves ${workspace} after resolving "..": /etc',
    'permissions.net[0]: net entries are host or host:port without a scheme: write "x.com"',
    'resources.memory_mb: expected a number, got string "lots"',
  ]);
});

Deno.test("validateManifest() rejects each rule with a message a person can act on", async (t) => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    // Metadata.
    ["a missing id", { id: undefined }, /^id: is required$/],
    ["an id with one part", { id: "formatter" }, /^id: must be lower-case/],
    ["an upper-case id", { id: "Acme.Formatter" }, /^id: must be lower-case/],
    [
      "an id over 64 characters",
      { id: `acme.${"x".repeat(60)}` },
      /^id: must be at most 64 characters$/,
    ],
    ["a version with a v", { version: "v1.0.0" }, /^version: "v1\.0\.0" is not a semantic version/],
    [
      "an unknown type",
      { type: "plugin" },
      /^type: must be one of "instrument", "operator", "motif"; got string "plugin"$/,
    ],
    ["an absolute entry", { entry: "/etc/passwd" }, /^entry: must be a relative path/],
    [
      "an entry that leaves the directory",
      { entry: "src/../../main.ts" },
      /^entry: path leaves the extension directory/,
    ],
    ["an empty name", { name: "  " }, /^name: must not be empty$/],
    [
      "an invalid engines range",
      { engines: { symphony: "^^1" } },
      /^engines\.symphony: "\^\^1" is not a valid semver range/,
    ],
    [
      "an unknown top-level key",
      { permisions: {} },
      /^permisions: unknown key \(did you mean "permissions"\?\)$/,
    ],
    [
      "an unknown key in a section",
      { permissions: { wrte: [] } },
      /^permissions\.wrte: unknown key \(did you mean "write"\?\)$/,
    ],
    [
      "a manifest_version of the future",
      { manifest_version: 2 },
      /^manifest_version: version 2 is newer than this host reads \(1\)/,
    ],
    [
      "a missing manifest_version",
      { manifest_version: undefined },
      /^manifest_version: is required/,
    ],
    // Permissions.
    [
      "a read path with a comma",
      { permissions: { read: ["${workspace}/a,/etc"] } },
      /^permissions\.read\[0\]: path contains a comma/,
    ],
    [
      "a read path with a control character",
      { permissions: { read: ["${workspace}/a\u0007"] } },
      /^permissions\.read\[0\]: path contains an invisible or control character \(U\+0007\)$/,
    ],
    [
      "a read path under /proc",
      { permissions: { read: ["/proc/self"] } },
      /^permissions\.read\[0\]: names \/proc/,
    ],
    [
      "a write path under /dev",
      { permissions: { write: ["/dev/null"] } },
      /^permissions\.write\[0\]: names \/dev/,
    ],
    [
      "a read path under /sys",
      { permissions: { read: ["/sys"] } },
      /^permissions\.read\[0\]: names \/sys/,
    ],
    [
      "a write path that leaves ${ext_data}",
      { permissions: { write: ["${ext_data}/../../x"] } },
      /^permissions\.write\[0\]: path leaves \$\{ext_data\}/,
    ],
    [
      "a write to ${ext_dir}",
      { permissions: { write: ["${ext_dir}/cache"] } },
      /^permissions\.write\[0\]: \$\{ext_dir\} is the extension's installed code and is never writable$/,
    ],
    [
      "a relative read path",
      { permissions: { read: ["src"] } },
      /^permissions\.read\[0\]: must start with a placeholder/,
    ],
    [
      "a net entry with a path",
      { permissions: { net: ["api.example.com/v1"] } },
      /^permissions\.net\[0\]: net entries are host or host:port, without a path$/,
    ],
    [
      "a net entry with a bad port",
      { permissions: { net: ["api.example.com:0"] } },
      /^permissions\.net\[0\]: port must be/,
    ],
    [
      "an env name with a dash",
      { permissions: { env: ["MY-VAR"] } },
      /^permissions\.env\[0\]: must be an environment variable name/,
    ],
    [
      "an unknown sys name",
      { permissions: { sys: ["kernel"] } },
      /^permissions\.sys\[0\]: must be one of "hostname"/,
    ],
    [
      "a run entry with a comma",
      { permissions: { run: ["git,curl"] } },
      /^permissions\.run\[0\]: program must not contain a comma/,
    ],
    [
      "permissions that are not a list",
      { permissions: { read: "${workspace}" } },
      /^permissions\.read: expected an array, got string/,
    ],
    // Resources.
    [
      "a memory limit below 32",
      { resources: { memory_mb: 8 } },
      /^resources\.memory_mb: must be at least 32, got number 8$/,
    ],
    [
      "a fractional timeout",
      { resources: { timeout_ms: 1.5 } },
      /^resources\.timeout_ms: expected an integer/,
    ],
    [
      "zero concurrency",
      { resources: { max_concurrency: 0 } },
      /^resources\.max_concurrency: must be at least 1/,
    ],
    // Dependencies.
    [
      "a blank range",
      { dependencies: { "acme.tokenizer": "  " } },
      /^dependencies\["acme\.tokenizer"\]: range is empty$/,
    ],
    [
      "an invalid dependency id",
      { dependencies: { "Tokenizer": "^1.0.0" } },
      /^dependencies\.Tokenizer: invalid key: must be lower-case/,
    ],
    [
      "an invalid range",
      { dependencies: { "acme.tokenizer": "latest!" } },
      /^dependencies\["acme\.tokenizer"\]: "latest!" is not a valid semver range/,
    ],
    [
      "a dependency on itself",
      { dependencies: { "acme.formatter": "^1.0.0" } },
      /^dependencies\["acme\.formatter"\]: an extension cannot depend on itself$/,
    ],
    [
      "a dependency listed twice",
      { dependencies: { "acme.a": "^1" }, optional_dependencies: { "acme.a": "^1" } },
      /^optional_dependencies\["acme\.a"\]: is also listed in dependencies; list it once$/,
    ],
    // Events.
    [
      "a call to an extension it does not depend on",
      { events: { calls: ["acme.other"] } },
      /^events\.calls\[0\]: "acme\.other" is not in dependencies/,
    ],
    [
      "a wildcard in a published topic",
      { events: { publish: ["file.*"] } },
      /^events\.publish\[0\]: must be dot-separated parts/,
    ],
    [
      "a published topic of the host's",
      { events: { publish: ["file.saved", "Extension.log"] } },
      /^events\.publish\[1\]: is the host's own: topics under "extension\." tell/,
    ],
    [
      "a malformed subscription",
      { events: { subscribe: ["file..saved"] } },
      /^events\.subscribe\[0\]: must be dot-separated parts, each a name or "\*"/,
    ],
    // Settings.
    ["an integer default above its maximum", {
      settings: { indent: { type: "integer", default: 9, maximum: 8 } },
    }, /^settings\.indent\.default: default 9 is above the maximum 8$/],
    ["a number default below its minimum", {
      settings: { ratio: { type: "number", default: -0.5, minimum: 0 } },
    }, /^settings\.ratio\.default: default -0\.5 is below the minimum 0$/],
    ["a minimum above the maximum", {
      settings: { n: { type: "integer", default: 1, minimum: 5, maximum: 2 } },
    }, /^settings\.n\.minimum: minimum 5 is greater than maximum 2$/],
    ["an enum default outside its values", {
      settings: { mode: { type: "enum", values: ["a", "b"], default: "c" } },
    }, /^settings\.mode\.default: default "c" is not one of the values/],
    ["a string default longer than max_length", {
      settings: { s: { type: "string", default: "abcdef", max_length: 3 } },
    }, /^settings\.s\.default: default is longer than max_length 3$/],
    [
      "a pattern, which could make matching take exponential time",
      { settings: { s: { type: "string", default: "a", pattern: "^(a+)+$" } } },
      /^settings\.s\.pattern: unknown key$/,
    ],
    ["an array default of the wrong item type", {
      settings: { l: { type: "array", items: { type: "integer" }, default: [1, "two"] } },
    }, /^settings\.l\.default\[1\]: must be of the item type integer$/],
    [
      "a boolean default that is a string",
      { settings: { b: { type: "boolean", default: "yes" } } },
      /^settings\.b\.default: expected a boolean, got string "yes"$/,
    ],
    [
      "an unknown setting type",
      { settings: { x: { type: "color", default: "red" } } },
      /^settings\.x\.type: must be one of "string", "integer"/,
    ],
    [
      "a setting without a default",
      { settings: { x: { type: "integer" } } },
      /^settings\.x\.default: is required$/,
    ],
    // Type sections.
    [
      "a missing type section",
      { operator: undefined },
      /^operator: is required: this manifest's type is "operator"$/,
    ],
    [
      "a second type section",
      { instrument: { model: "m", provider: "local" } },
      /^instrument: does not belong in a manifest of type "operator": remove \[instrument\] or change type$/,
    ],
    [
      "an operator without functions",
      { operator: { functions: [] } },
      /^operator\.functions: must declare at least one function$/,
    ],
    [
      "a function declared twice",
      { operator: { functions: [{ name: "f" }, { name: "f" }] } },
      /^operator\.functions\[1\]\.name: function "f" is declared twice$/,
    ],
    [
      "a function name that is not an identifier",
      { operator: { functions: [{ name: "do it" }] } },
      /^operator\.functions\[0\]\.name: must be an identifier/,
    ],
    [
      "an input schema with a pattern, which could make matching take exponential time",
      {
        operator: {
          functions: [{
            name: "f",
            input: { type: "object", properties: { s: { type: "string", pattern: "^(a+)+$" } } },
          }],
        },
      },
      /^operator\.functions\[0\]\.input\.properties\.s\.pattern: regular expressions are not allowed in schemas/,
    ],
    [
      "an output schema this host cannot check",
      {
        operator: {
          functions: [{ name: "f", output: { type: "object", unevaluatedProperties: false } }],
        },
      },
      /^operator\.functions\[0\]\.output: is not a JSON Schema this host can check/,
    ],
    ["an input schema with an unknown type", {
      operator: { functions: [{ name: "f", input: { type: "obj" } }] },
    }, /^operator\.functions\[0\]\.input\.type: must be one of "string"/],
    [
      "a retry whose maximum backoff is below its backoff",
      {
        operator: {
          functions: [{ name: "f" }],
          retry: { max_attempts: 3, backoff_ms: 500, max_backoff_ms: 100 },
        },
      },
      /^operator\.retry\.max_backoff_ms: must be at least backoff_ms \(500\)$/,
    ],
    [
      "an api instrument without an endpoint",
      { type: "instrument", operator: undefined, instrument: { model: "m", provider: "api" } },
      /^instrument\.endpoint: is required when provider is "api"$/,
    ],
    [
      "an instrument whose endpoint is not in permissions.net",
      {
        type: "instrument",
        operator: undefined,
        instrument: { model: "m", provider: "api", endpoint: "https://api.example.com/v1" },
      },
      /^instrument\.endpoint: the endpoint's host is not in permissions\.net: add "api\.example\.com:443"$/,
    ],
    [
      "a negative cost",
      {
        type: "instrument",
        operator: undefined,
        instrument: { model: "m", provider: "local", cost: { per_call_usd: -1 } },
      },
      /^instrument\.cost\.per_call_usd: must not be negative$/,
    ],
    [
      "an instrument schema without the method it describes",
      {
        type: "instrument",
        operator: undefined,
        instrument: { model: "m", provider: "local", output: { type: "object" } },
      },
      /^instrument\.method: is required with output: name the method the schema describes$/,
    ],
    [
      "a keybinding to an undeclared command",
      {
        type: "motif",
        operator: undefined,
        motif: { keybindings: [{ key: "ctrl+k", command: "acme.missing" }] },
      },
      /^motif\.keybindings\[0\]\.command: "acme\.missing" is not one of this motif's commands$/,
    ],
    [
      "a malformed key chord",
      {
        type: "motif",
        operator: undefined,
        motif: { commands: [{ id: "acme.x", title: "X", keybinding: "hyper+k" }] },
      },
      /^motif\.commands\[0\]\.keybinding: "hyper" is not a modifier/,
    ],
    [
      "a theme outside the extension directory",
      {
        type: "motif",
        operator: undefined,
        motif: { themes: [{ id: "t", label: "T", kind: "dark", path: "../t.json" }] },
      },
      /^motif\.themes\[0\]\.path: path leaves the extension directory/,
    ],
    [
      "a motif that contributes nothing",
      { type: "motif", operator: undefined, motif: {} },
      /^motif: a motif must contribute at least one/,
    ],
  ];
  for (const [name, changes, expected] of cases) {
    await t.step(name, () => assertProblem(changes, expected));
  }
});

Deno.test("validateManifest() normalises permission paths in the result", () => {
  const result = validateManifest(manifest({
    permissions: {
      read: ["${workspace}/src/../lib/", "/usr/share//dict"],
      write: ["${ext_data}/./db"],
    },
  }));
  assert.ok(result.ok);
  assert.deepEqual(result.manifest.permissions.read, ["${workspace}/lib", "/usr/share/dict"]);
  assert.deepEqual(result.manifest.permissions.write, ["${ext_data}/db"]);
});

Deno.test("validateManifest() stores net entries in canonical form", () => {
  const result = validateManifest(
    manifest({ permissions: { net: ["API.Example.com:443", "[::1]:8080"] } }),
  );
  assert.ok(result.ok);
  assert.deepEqual(result.manifest.permissions.net, ["api.example.com:443", "[::1]:8080"]);
});

Deno.test("validateManifest() warns when engines.symphony excludes the host", () => {
  const result = validateManifest(manifest({ engines: { symphony: "^2.0.0" } }), {
    hostVersion: "0.1.0",
  });
  assert.ok(result.ok);
  assert.deepEqual(result.warnings, [{
    path: "engines.symphony",
    message: '"^2.0.0" does not include this host\'s version 0.1.0',
  }]);
  const fits = validateManifest(manifest({ engines: { symphony: "^2.0.0" } }), {
    hostVersion: "2.3.0",
  });
  assert.ok(fits.ok);
  assert.deepEqual(fits.warnings, []);
});

Deno.test("validateManifest() rejects input that is not a table, or nested too deeply", () => {
  for (const raw of [null, 42, "id", [manifest()]]) {
    assert.deepEqual(problems(validateManifest(raw)), [
      'manifest: must be a table of fields, such as id = "acme.x"',
    ]);
  }
  let deep: unknown = {};
  for (let i = 0; i < 10_000; i++) deep = { deeper: deep };
  const result = validateManifest(manifest({ description: deep }));
  assert.match(
    problems(result)[0] ?? "",
    /^description\.deeper\.deeper\.\.\.: is nested more than 32 levels deep$/,
  );
});

Deno.test("validateManifest() refuses an unresolved extends", () => {
  assert.deepEqual(problems(validateManifest(manifest({ extends: "../base/extension.toml" }))), [
    "extends: can only be resolved when the manifest is loaded from a file",
  ]);
});

Deno.test("validateManifest() accepts versions with prerelease and build parts", () => {
  for (const version of ["1.0.0-beta.2", "1.0.0+build.7", "2.1.3-rc.1+sha.5114f85"]) {
    const result = validateManifest(manifest({ version }));
    assert.ok(result.ok, `${version}: ${problems(result).join("; ")}`);
    assert.equal(result.manifest.version, version);
  }
});

Deno.test("validateManifest() checks the shared resources an extension may lease", async (t) => {
  await t.step("names and targets are kept", () => {
    const result = validateManifest(
      manifest({ resources: { leases: ["gpu", "net:api.example.com:443", "file:/data/m.bin"] } }),
    );
    assert.ok(result.ok, problems(result).join("\n"));
    assert.deepEqual(result.manifest.resources.leases, [
      "gpu",
      "net:api.example.com:443",
      "file:/data/m.bin",
    ]);
  });
  await t.step("none by default", () => {
    const result = validateManifest(manifest());
    assert.ok(result.ok);
    assert.deepEqual(result.manifest.resources.leases, []);
  });
  for (const bad of ["GPU", "", "gpu:", "net:a b", "net:\u0000x", "9gpu"]) {
    await t.step(`${JSON.stringify(bad)} is refused`, () => {
      assertProblem(
        { resources: { leases: [bad] } },
        /^resources\.leases\[0\]: must be a resource name/,
      );
    });
  }
});
