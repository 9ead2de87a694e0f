/** Shared test helpers: run the built CLI, compare arrays. */
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as assert from 'node:assert/strict';

export const ROOT = path.resolve(__dirname, '..');
export const HAI = path.join(ROOT, 'bin', 'hai.js');

export function hai(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120000) {
  const r = spawnSync(process.execPath, [HAI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Asserts |a - b| <= atol + rtol·|b| elementwise, naming the first index that differs. */
export function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol = 0, what = 'values') {
  assert.equal(a.length, b.length, `${what}: length ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const tol = atol + rtol * Math.abs(b[i]);
    if (!(Math.abs(a[i] - b[i]) <= tol)) assert.fail(`${what}[${i}]: ${a[i]} vs ${b[i]} (tolerance ${tol})`);
  }
}
