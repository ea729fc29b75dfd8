// What the reconnect e2e files share: the loss and recovery lines, the session's port-forwards found by
// their command line, and a user process that curls every 200 ms and logs `MS ok|fail` per try.
import { expect } from 'chai';
import fs from 'node:fs';
import { execa } from 'execa';
import { errorLines } from './run.js';

export const LOST_LINE = /^T: Lost the connection to the proxy pod \((.+)\); reconnecting\.\.\.$/m;
export const RECONNECTED_LINE = /^T: Reconnected to the proxy pod in (\d+\.\d) s$/m;

/** The pids of the kubectl port-forwards to pods whose names start with `podPrefix` (a --new-deployment's: `NAME-`). */
export async function portForwardPids(podPrefix: string): Promise<number[]> {
  const r = await execa('pgrep', ['-f', `kubectl .*port-forward .*pod/${podPrefix}`], { reject: false });
  return String(r.stdout).split('\n').filter(Boolean).map(Number);
}

/** A shell loop: curl `url` every 200 ms, `MS ok|fail` per line into `out`, until `stop` exists. */
export function curlLoop(url: string, out: string, stop: string): string {
  return [
    `while [ ! -e ${stop} ]; do`,
    '  t=$(date +%s%3N)',
    `  if curl -sS --max-time 2 -o /dev/null ${url} 2>/dev/null; then echo "$t ok" >> ${out}; else echo "$t fail" >> ${out}; fi`,
    '  sleep 0.2',
    'done',
  ].join('\n');
}

/** The `MS ok|fail` lines the loop wrote. */
export function curlResults(file: string): { at: number; ok: boolean }[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => /^\d+ (ok|fail)$/.test(l))
    .map((l) => { const [at, what] = l.split(' '); return { at: Number(at), ok: what === 'ok' }; });
}

/** A session's stderr after one loss and one recovery: each line once, a recovery under 5 s, no error lines. */
export function expectOneReconnect(stderr: string): void {
  expect(stderr.match(new RegExp(LOST_LINE.source, 'gm'))?.length, stderr).to.equal(1);
  expect(LOST_LINE.exec(stderr)![1]).to.match(/^(kubectl port-forward exited.*|the SSH connection closed|read ECONNRESET)$/);
  expect(stderr.match(new RegExp(RECONNECTED_LINE.source, 'gm'))?.length, stderr).to.equal(1);
  expect(Number(RECONNECTED_LINE.exec(stderr)![1])).to.be.below(5);
  expect(errorLines(stderr)).to.deep.equal([]);
}
