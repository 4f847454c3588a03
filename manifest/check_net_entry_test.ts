import assert from "node:assert/strict";
import { checkNetEntry } from "./check_net_entry.ts";

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
    ["api.example.com:0443", /without leading zeros, got "0443"/],
    ["::1", /write an IPv6 address in brackets/],
    ["[:::::]", /not a valid host/],
    ["999.999.999.999", /not a valid host/],
    ["example.com.", /not a valid host/],
    ["api.example.com\u202e", /invisible or control character \(U\+202E\)/],
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
  assert.deepEqual(checkNetEntry("*"), { ok: true, normalized: "*", host: "*", wildcard: true });
});

Deno.test("checkNetEntry() refuses unusual spellings of an address, naming the usual one", async (t) => {
  // Each of these reaches the same host as its canonical form through Deno's --allow-net.
  const cases: [string, string][] = [
    ["2130706433", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0", "0.0.0.0"],
    ["[0::1]", "[::1]"],
    ["[::ffff:127.0.0.1]", "[::ffff:7f00:1]"],
    ["bücher.example", "xn--bcher-kva.example"],
  ];
  for (const [entry, canonical] of cases) {
    await t.step(entry, () => {
      assert.deepEqual(checkNetEntry(entry), {
        ok: false,
        message: `host "${entry}" is written unusually; write it as "${canonical}"`,
      });
    });
  }
});

Deno.test("checkNetEntry() names hosts on this machine or a non-public network", async (t) => {
  const cases: [string, string | undefined][] = [
    ["localhost:7777", "loopback"],
    ["app.localhost", "loopback"],
    ["127.0.0.1", "loopback"],
    ["127.8.9.10:22", "loopback"],
    ["0.0.0.0", "loopback"],
    ["[::1]", "loopback"],
    ["[::ffff:7f00:1]", "loopback"],
    ["169.254.169.254", "link-local"],
    ["[fe80::1]", "link-local"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1:8080", "private"],
    ["[fd00::1]", "private"],
    ["172.32.0.1", undefined],
    ["8.8.8.8", undefined],
    ["api.example.com", undefined],
  ];
  for (const [entry, local] of cases) {
    await t.step(entry, () => {
      const check = checkNetEntry(entry);
      assert.ok(check.ok, JSON.stringify(check));
      assert.equal(check.local, local);
    });
  }
});
