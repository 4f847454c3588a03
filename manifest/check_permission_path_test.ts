import assert from "node:assert/strict";
import { checkPermissionPath } from "./check_permission_path.ts";

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
    ["${workspace}/a\nb", /invisible or control character \(U\+000A\)/],
    ["/srv/\u0000", /invisible or control character \(U\+0000\)/],
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
    ["${workspace}/..\\..\\etc", /contains "\\"; separate directories with "\/"/],
    ["/DEV/sda", /names \/dev/],
    ["/Proc/self", /names \/proc/],
    ["${workspace}/\u202egnp.exe", /invisible or control character \(U\+202E\)/],
    ["${workspace}/a\u200bb", /invisible or control character \(U\+200B\)/],
    ["${workspace}/a\u2028b", /invisible or control character \(U\+2028\)/],
    ["${workspace}/a\ud800b", /invisible or control character \(U\+D800\)/],
    ["/srv/a\u009bb", /invisible or control character \(U\+009B\)/],
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
