import assert from "node:assert/strict";
import type { Permissions } from "../manifest/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import {
  type ExtensionPaths,
  type Grants,
  permissionSet,
  type PermissionSetOptions,
} from "./permission_set.ts";

const PATHS: ExtensionPaths = {
  workspace: "/work/project",
  extDir: "/home/u/.symphony/extensions/acme.x/1.0.0",
  extData: "/home/u/.symphony/data/acme.x",
  tmp: "/home/u/.symphony/tmp/acme.x",
  hostData: "/home/u/.symphony",
  runtime: "/opt/symphony/stage",
};

/** The always-present entries, in the order they come first. */
const BASE_READ = [PATHS.extDir, PATHS.runtime, PATHS.extData, PATHS.tmp];
const BASE_WRITE = [PATHS.extData, PATHS.tmp];

/** A validated `[permissions]` section: every list present, empty unless given. */
function request(partial: Partial<Permissions> = {}): Permissions {
  return { read: [], write: [], net: [], env: [], sys: [], run: [], ...partial };
}

/** Asserts that `permissionSet()` refuses with `PermissionDenied` and a message matching `message`. */
function assertDenied(options: PermissionSetOptions, message: RegExp): void {
  assert.throws(() => permissionSet(options), (error) => {
    assert.ok(error instanceof SymphonyError, String(error));
    assert.equal(error.code, "PermissionDenied");
    assert.match(error.message, /^Cannot (grant|start with) /);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("permissionSet() always grants the extension its code, the runtime, its data and tmp", () => {
  assert.deepEqual(permissionSet({ permissions: request(), paths: PATHS }), {
    read: BASE_READ,
    write: BASE_WRITE,
    net: [],
    env: [],
    sys: [],
  });
});

Deno.test("permissionSet() expands placeholders to the given absolute paths", async (t) => {
  const cases: [string, string][] = [
    ["${workspace}", "/work/project"],
    ["${workspace}/src", "/work/project/src"],
    ["${workspace}/a/b/c.txt", "/work/project/a/b/c.txt"],
    ["${ext_dir}/assets", `${PATHS.extDir}/assets`],
    ["${ext_data}/cache", `${PATHS.extData}/cache`],
    ["${tmp}/scratch", `${PATHS.tmp}/scratch`],
    ["/usr/share/dict", "/usr/share/dict"],
    // Not "..": a name that merely starts with two dots stays inside.
    ["${workspace}/..foo", "/work/project/..foo"],
    ["${workspace}/...", "/work/project/..."],
  ];
  for (const [path, expanded] of cases) {
    await t.step(`read ${path}`, () => {
      const set = permissionSet({ permissions: request({ read: [path] }), paths: PATHS });
      assert.deepEqual(set.read, [...BASE_READ, expanded]);
    });
  }
  await t.step("write ${workspace}/out and ${ext_data}/db", () => {
    const set = permissionSet({
      permissions: request({ write: ["${workspace}/out", "${ext_data}/db"] }),
      paths: PATHS,
    });
    assert.deepEqual(set.write, [...BASE_WRITE, "/work/project/out", `${PATHS.extData}/db`]);
  });
});

Deno.test("permissionSet() lists each path once", () => {
  const set = permissionSet({
    permissions: request({
      read: ["${ext_dir}", "${ext_data}", "${tmp}", "${workspace}", "/work/project"],
      write: ["${ext_data}", "${tmp}", "${workspace}"],
    }),
    paths: PATHS,
  });
  assert.deepEqual(set.read, [...BASE_READ, "/work/project"]);
  assert.deepEqual(set.write, [...BASE_WRITE, "/work/project"]);
});

Deno.test("permissionSet() grants only what was both requested and granted", async (t) => {
  const permissions = request({
    read: ["${workspace}/src", "${workspace}/docs"],
    write: ["${workspace}/out"],
    net: ["api.example.com:443", "cdn.example.com"],
    env: ["LANG", "HOME"],
    sys: ["hostname", "cpus"],
  });
  const cases: [
    string,
    Grants,
    Partial<Record<"read" | "write" | "net" | "env" | "sys", string[]>>,
  ][] = [
    ["no grants: everything requested", {}, {
      read: [...BASE_READ, "/work/project/src", "/work/project/docs"],
      write: [...BASE_WRITE, "/work/project/out"],
      net: ["api.example.com:443", "cdn.example.com"],
      env: ["LANG", "HOME"],
      sys: ["hostname", "cpus"],
    }],
    ["an absent kind grants all of it", { net: ["cdn.example.com"] }, {
      read: [...BASE_READ, "/work/project/src", "/work/project/docs"],
      net: ["cdn.example.com"],
      env: ["LANG", "HOME"],
    }],
    ["an empty list grants none of it", { read: [], write: [], net: [], env: [], sys: [] }, {
      read: BASE_READ,
      write: BASE_WRITE,
      net: [],
      env: [],
      sys: [],
    }],
    ["a subset grants that subset", { read: ["${workspace}/docs"], env: ["LANG"] }, {
      read: [...BASE_READ, "/work/project/docs"],
      env: ["LANG"],
    }],
    ["a grant of something not requested adds nothing", {
      read: ["/etc", "${workspace}/src"],
      env: ["SECRET"],
      sys: ["uid"],
    }, {
      read: [...BASE_READ, "/work/project/src"],
      env: [],
      sys: [],
    }],
  ];
  for (const [name, grants, expected] of cases) {
    await t.step(name, () => {
      const set = permissionSet({ permissions, grants, paths: PATHS });
      for (const [kind, values] of Object.entries(expected)) {
        assert.deepEqual(set[kind as keyof typeof expected], values, kind);
      }
    });
  }
});

Deno.test("permissionSet() refuses run access that is requested and granted, unless allowed", async (t) => {
  const permissions = request({ run: ["git", "curl"] });
  await t.step("granted by default", () => {
    assertDenied({ permissions, paths: PATHS }, /run access \(git, curl\).*enterprise tier/);
  });
  await t.step("granted in part", () => {
    assertDenied({ permissions, grants: { run: ["curl"] }, paths: PATHS }, /run access \(curl\)/);
  });
  await t.step("not granted: the process starts without it", () => {
    const set = permissionSet({ permissions, grants: { run: [] }, paths: PATHS });
    assert.deepEqual(set.read, BASE_READ);
    assert.equal("run" in set, false);
  });
  await t.step("allowed (the enterprise tier): only the programs granted", () => {
    const set = permissionSet({
      permissions,
      grants: { run: ["curl"] },
      paths: PATHS,
      allowRun: true,
    });
    assert.deepEqual(set.run, ["curl"]);
  });
});

Deno.test("permissionSet() refuses paths that contain the host's data directory", async (t) => {
  const cases: [string, PermissionSetOptions, RegExp][] = [
    ["workspace that is an ancestor of hostData", {
      permissions: request({ read: ["${workspace}"] }),
      paths: { ...PATHS, workspace: "/home/u" },
    }, /read \/home\/u: it contains the host's data directory \/home\/u\/\.symphony$/],
    ["workspace that is hostData itself", {
      permissions: request({ read: ["${workspace}/"] }),
      paths: { ...PATHS, workspace: "/home/u/.symphony" },
    }, /read \/home\/u\/\.symphony: it contains the host's data directory/],
    ["absolute ancestor for writing", {
      permissions: request({ write: ["/home"] }),
      paths: PATHS,
    }, /write \/home: it contains the host's data directory/],
    ["the root, for reading", {
      permissions: request({ read: ["/"] }),
      paths: PATHS,
    }, /path "\/": it is the whole file system/],
    ["the wildcard, for writing", {
      permissions: request({ write: ["*"] }),
      paths: PATHS,
    }, /path "\*": it is the whole file system/],
  ];
  for (const [name, options, message] of cases) {
    await t.step(name, () => assertDenied(options, message));
  }
});

Deno.test("permissionSet() refuses paths inside the host's data directory but not its own", async (t) => {
  const cases: [string, string[], RegExp][] = [
    ["another extension's data", ["/home/u/.symphony/data/other.y"], /inside the host's data/],
    ["another extension's code", ["/home/u/.symphony/extensions/other.y"], /inside the host's/],
    ["another version of its own code", [
      "/home/u/.symphony/extensions/acme.x/0.9.0",
    ], /inside the host's/],
    ["the parent of its data", ["/home/u/.symphony/data"], /inside the host's data/],
    ["the host's grants", ["/home/u/.symphony/grants.json"], /inside the host's data/],
    ["a sibling whose name extends its own", ["/home/u/.symphony/data/acme.xy"], /inside/],
  ];
  for (const [name, read, message] of cases) {
    await t.step(
      name,
      () => assertDenied({ permissions: request({ read }), paths: PATHS }, message),
    );
  }
  await t.step("its own directories and what is inside them are fine", () => {
    const read = [`${PATHS.extDir}/src`, `${PATHS.extData}/db`, `${PATHS.tmp}/x`];
    const set = permissionSet({ permissions: request({ read }), paths: PATHS });
    assert.deepEqual(set.read, [...BASE_READ, ...read]);
  });
});

Deno.test("permissionSet() never grants writing to code", async (t) => {
  const cases: [string, string][] = [
    ["${ext_dir}", `write ${PATHS.extDir}: code is never writable`],
    ["${ext_dir}/src/main.ts", `write ${PATHS.extDir}/src/main.ts: code is never writable`],
    [PATHS.extDir, "code is never writable"],
    [PATHS.runtime, `write ${PATHS.runtime}: code is never writable`],
    [`${PATHS.runtime}/runtime.ts`, "code is never writable"],
  ];
  for (const [path, message] of cases) {
    await t.step(path, () => {
      assertDenied(
        { permissions: request({ write: [path] }), paths: PATHS },
        new RegExp(message.replaceAll(/[.$]/g, "\\$&")),
      );
    });
  }
  await t.step("reading them is fine", () => {
    const set = permissionSet({
      permissions: request({ read: ["${ext_dir}/src", `${PATHS.runtime}/sdk.ts`] }),
      paths: PATHS,
    });
    assert.deepEqual(set.read, [...BASE_READ, `${PATHS.extDir}/src`, `${PATHS.runtime}/sdk.ts`]);
  });
});

Deno.test("permissionSet() refuses writing to a directory that contains the runtime", async (t) => {
  // Deno's --allow-write=/opt lets the process write /opt/symphony/stage/runtime.ts,
  // the code every extension process runs.
  const cases: [string, PermissionSetOptions][] = [
    ["an absolute ancestor", { permissions: request({ write: ["/opt"] }), paths: PATHS }],
    ["a workspace that holds the runtime (developing Symphony itself)", {
      permissions: request({ write: ["${workspace}"] }),
      paths: { ...PATHS, workspace: "/src/symphony", runtime: "/src/symphony/stage" },
    }],
  ];
  for (const [name, options] of cases) {
    await t.step(name, () => assertDenied(options, /code is never writable/));
  }
});

Deno.test("permissionSet() refuses a path whose real path is forbidden", async (t) => {
  // A fake file system: links in the workspace pointing elsewhere.
  const links: Record<string, string> = {
    "/work/project/proc-link": "/proc/self",
    "/work/project/dev-link": "/dev/sda",
    "/work/project/sys-link": "/sys/kernel",
    "/work/project/other-ext": "/home/u/.symphony/data/other.y",
    "/work/project/home": "/home/u",
    "/work/project/code": "/opt/symphony/stage",
    "/work/project/comma": "/srv/a,b",
    "/work/project/root": "/",
  };
  const realPath = (path: string): string => links[path] ?? path;
  const cases: [string, "read" | "write", RegExp][] = [
    ["${workspace}/proc-link", "read", /read \/proc\/self: names \/proc/],
    ["${workspace}/dev-link", "read", /names \/dev/],
    ["${workspace}/sys-link", "write", /names \/sys/],
    ["${workspace}/other-ext", "read", /inside the host's data directory/],
    ["${workspace}/home", "read", /contains the host's data directory/],
    ["${workspace}/code", "write", /code is never writable/],
    ["${workspace}/comma", "read", /comma/],
    ["${workspace}/root", "read", /whole file system/],
  ];
  for (const [path, kind, message] of cases) {
    await t.step(`${kind} ${path}`, () => {
      assertDenied({ permissions: request({ [kind]: [path] }), paths: PATHS, realPath }, message);
    });
  }
  await t.step("the real path is what is granted", () => {
    const set = permissionSet({
      permissions: request({ read: ["${workspace}/code", "${workspace}/lib"] }),
      paths: PATHS,
      realPath: (path) => path === "/work/project/lib" ? "/srv/shared/lib" : realPath(path),
    });
    // ${workspace}/code resolves to the runtime, already listed; lib resolves elsewhere.
    assert.deepEqual(set.read, [...BASE_READ, "/srv/shared/lib"]);
  });
  await t.step("realPath receives the expanded absolute path", () => {
    const seen: string[] = [];
    permissionSet({
      permissions: request({ read: ["${workspace}/a/../b"], write: ["${tmp}/c"] }),
      paths: PATHS,
      realPath: (path) => (seen.push(path), path),
    });
    assert.deepEqual(seen, ["/work/project/b", `${PATHS.tmp}/c`]);
  });
});

Deno.test("permissionSet() refuses requested paths that break the rules", async (t) => {
  const cases: [string, RegExp][] = [
    ["${workspace}/../etc", /path "\$\{workspace\}\/\.\.\/etc": path leaves/],
    ["/proc/1/environ", /names \/proc/],
    ["/srv/a,b", /comma/],
    ["relative/path", /must start with a placeholder/],
  ];
  for (const [path, message] of cases) {
    await t.step(path, () => {
      assertDenied({ permissions: request({ read: [path] }), paths: PATHS }, message);
    });
  }
});

Deno.test("permissionSet() normalises net entries and refuses bad ones", async (t) => {
  await t.step("normalised and listed once", () => {
    const set = permissionSet({
      permissions: request({
        net: ["API.Example.com:443", "api.example.com:443", "[::1]:8080", "*", "Localhost"],
      }),
      paths: PATHS,
    });
    assert.deepEqual(set.net, ["api.example.com:443", "[::1]:8080", "*", "localhost"]);
  });
  const bad: [string, RegExp][] = [
    ["https://api.example.com", /net entry "https:\/\/api\.example\.com": .*without a scheme/],
    ["2130706433", /written unusually/],
    ["a.com,b.com", /comma/],
    ["example.com:0", /port/],
    ["[0:0:0:0:0:0:0:1]", /write it as "\[::1\]"/],
  ];
  for (const [entry, message] of bad) {
    await t.step(`refuses ${entry}`, () => {
      assertDenied({ permissions: request({ net: [entry] }), paths: PATHS }, message);
    });
  }
  await t.step("a bad entry that is not granted is not checked", () => {
    const set = permissionSet({
      permissions: request({ net: ["https://x.com", "x.com"] }),
      grants: { net: ["x.com"] },
      paths: PATHS,
    });
    assert.deepEqual(set.net, ["x.com"]);
  });
});

Deno.test("permissionSet() lists env and sys names once, in request order", () => {
  const set = permissionSet({
    permissions: request({
      env: ["LANG", "TZ", "LANG", "TZ", "HOME"],
      sys: ["cpus", "hostname", "cpus"],
    }),
    paths: PATHS,
  });
  assert.deepEqual(set.env, ["LANG", "TZ", "HOME"]);
  assert.deepEqual(set.sys, ["cpus", "hostname"]);
});

Deno.test("permissionSet() handles an extension whose id starts with two dots", async (t) => {
  // relative() gives "..foo" for a directory named "..foo": it must not be mistaken for "..".
  const paths: ExtensionPaths = {
    ...PATHS,
    extDir: "/home/u/.symphony/extensions/..foo/1.0.0",
    extData: "/home/u/.symphony/data/..foo",
    tmp: "/home/u/.symphony/tmp/..foo",
  };
  await t.step("its own directories are granted", () => {
    const set = permissionSet({
      permissions: request({
        read: ["${ext_dir}/src", "${ext_data}", "/home/u/.symphony/tmp/..foo/x"],
        write: ["${ext_data}/db", "${tmp}/y"],
      }),
      paths,
    });
    assert.deepEqual(set.read, [
      paths.extDir,
      paths.runtime,
      paths.extData,
      paths.tmp,
      `${paths.extDir}/src`,
      "/home/u/.symphony/tmp/..foo/x",
    ]);
    assert.deepEqual(set.write, [
      paths.extData,
      paths.tmp,
      `${paths.extData}/db`,
      `${paths.tmp}/y`,
    ]);
  });
  const denied: [string, "read" | "write", RegExp][] = [
    ["/home/u/.symphony/data/..food", "read", /inside the host's data directory/],
    ["/home/u/.symphony/data/..fo", "read", /inside the host's data directory/],
    ["/home/u/.symphony/..foo", "read", /inside the host's data directory/],
    ["/home/u/.symphony/data", "read", /inside the host's data directory/],
    ["${ext_dir}/src", "write", /code is never writable/],
  ];
  for (const [path, kind, message] of denied) {
    await t.step(`refuses ${kind} ${path}`, () => {
      assertDenied({ permissions: request({ [kind]: [path] }), paths }, message);
    });
  }
  await t.step("a host data dir named ..data is still protected", () => {
    const odd: ExtensionPaths = {
      ...paths,
      hostData: "/srv/..data",
      extData: "/srv/..data/data/..foo",
      tmp: "/srv/..data/tmp/..foo",
      extDir: "/srv/..data/extensions/..foo/1.0.0",
    };
    assertDenied({ permissions: request({ read: ["/srv"] }), paths: odd }, /contains the host's/);
    assertDenied(
      { permissions: request({ read: ["/srv/..data/data/..bar"] }), paths: odd },
      /inside the host's/,
    );
    assert.deepEqual(
      permissionSet({ permissions: request({ read: ["/srv/..datum"] }), paths: odd }).read.at(-1),
      "/srv/..datum",
    );
  });
});
