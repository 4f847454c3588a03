import assert from "node:assert/strict";
import { checkNetEntry, checkPermissionPath } from "./permission_rules.ts";

Deno.test("checkPermissionPath() normalises placeholder and absolute paths", async (t) => {
  const cases: [string, string][] = [
    ["${workspace}", "${workspace}"],
    ["${workspace}/", "${workspace}"],
    ["${workspace}/src/./lib//x", "${workspace}/src/lib/x"],
    ["${ext_data}/cache/../db", "${ext_data}/db"],
    ["${tmp}/a/..", "${tmp}"],
    ["/usr/share/dict/", "/usr/share/dict"],
    ["/opt/../srv/data", "/srv/data"],
  ];
  for (const [input, normalized] of cases) {
    await t.step(input, () => {
      const check = checkPermissionPath(input);
      assert.ok(check.ok, JSON.stringify(check));
      assert.equal(check.normalized, normalized);
      assert.equal(check.wildcard, false);
    });
  }
});

Deno.test("checkPermissionPath() rejects paths that could escape or corrupt a flag", async (t) => {
  const cases: [string, RegExp][] = [
    ["${workspace}/../etc", /^path leaves \$\{workspace\} after resolving "\.\.": \/etc$/],
    ["${workspace}/src/../../home/user", /leaves \$\{workspace\}.*\/home\/user/],
    ["${ext_dir}/..", /leaves \$\{ext_dir\}/],
    ["${workspace}/a,/etc", /comma/],
    ["/srv/a,b", /comma/],
    ["${workspace}/a\nb", /control character \(U\+000A\)/],
    ["/srv/\u0000", /control character \(U\+0000\)/],
    ["/proc", /names \/proc/],
    ["/proc/self/environ", /names \/proc/],
    ["/dev/sda", /names \/dev/],
    ["/sys/kernel", /names \/sys/],
    ["/tmp/../proc/1", /names \/proc/],
    ["${home}/x", /unknown placeholder \$\{home\}/],
    ["${workspace}src", /must be followed by "\/"/],
    ["/srv/${workspace}", /may only start a path/],
    ["${workspace}/${tmp}", /may only start a path/],
    ["src/main.ts", /must start with a placeholder/],
    ["~/.ssh", /must start with a placeholder/],
    ["", /empty/],
  ];
  for (const [input, message] of cases) {
    await t.step(JSON.stringify(input), () => {
      const check = checkPermissionPath(input);
      assert.equal(check.ok, false);
      assert.match(!check.ok ? check.message : "", message);
    });
  }
});

Deno.test("checkPermissionPath() marks the whole file system as a wildcard", () => {
  assert.deepEqual(checkPermissionPath("*"), { ok: true, normalized: "*", wildcard: true });
  assert.deepEqual(checkPermissionPath("/"), { ok: true, normalized: "/", wildcard: true });
  assert.deepEqual(checkPermissionPath("/srv/.."), { ok: true, normalized: "/", wildcard: true });
});

Deno.test("checkNetEntry() accepts hosts and host:port", async (t) => {
  const cases: [string, string, number | undefined][] = [
    ["api.example.com", "api.example.com", undefined],
    ["API.Example.com:443", "api.example.com", 443],
    ["localhost:8080", "localhost", 8080],
    ["127.0.0.1:1", "127.0.0.1", 1],
    ["[::1]:65535", "[::1]", 65535],
    ["[2001:db8::1]", "[2001:db8::1]", undefined],
  ];
  for (const [entry, host, port] of cases) {
    await t.step(entry, () => {
      const check = checkNetEntry(entry);
      assert.ok(check.ok, JSON.stringify(check));
      assert.equal(check.host, host);
      assert.equal(check.port, port);
    });
  }
});

Deno.test("checkNetEntry() rejects schemes, paths, bad ports and injected entries", async (t) => {
  const cases: [string, RegExp][] = [
    ["https://api.example.com", /without a scheme: write "api\.example\.com"/],
    ["http://api.example.com:8080/v1", /without a scheme: write "api\.example\.com:8080"/],
    ["api.example.com/v1", /without a path/],
    ["user@api.example.com", /without a path/],
    ["api.example.com:0", /port must be a number from 1 to 65535/],
    ["api.example.com:70000", /port must be/],
    ["api.example.com:https", /port must be/],
    ["a.com,b.com", /comma/],
    ["*.example.com", /wildcard hosts are not supported/],
    ["exa_mple.com", /not a valid host/],
    ["-bad.com", /not a valid host/],
    ["a..b", /not a valid host/],
    ["", /empty/],
  ];
  for (const [entry, message] of cases) {
    await t.step(entry, () => {
      const check = checkNetEntry(entry);
      assert.equal(check.ok, false);
      assert.match(!check.ok ? check.message : "", message);
    });
  }
});

Deno.test("checkNetEntry() marks * as a wildcard", () => {
  assert.deepEqual(checkNetEntry("*"), { ok: true, host: "*", wildcard: true });
});
