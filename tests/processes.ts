/**
 * Test helpers about operating-system processes: whether one still runs, and
 * waiting for one to be gone. Deno reads `/proc/<pid>` only with
 * `--allow-all`, so they ask `cat`.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Whether a process is still there: its `/proc` entry exists and it is not a zombie.
 *
 * @param pid The process.
 * @returns Whether it runs.
 */
export async function alive(pid: number): Promise<boolean> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/stat`], stderr: "null" })
    .output();
  if (!out.success) return false;
  const text = new TextDecoder().decode(out.stdout);
  return !text.slice(text.lastIndexOf(")") + 2).startsWith("Z");
}

/**
 * Waits until a process is gone; fails the test if it is still there after `withinMs`.
 *
 * @param pid The process.
 * @param withinMs How long it may take.
 */
export async function assertGone(pid: number, withinMs = 5_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (await alive(pid)) {
    assert.ok(Date.now() < deadline, `process ${pid} is still running`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
