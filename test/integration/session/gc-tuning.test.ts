// The launcher's V8 setting for traffic (src/session/gc-tuning.ts), in a child node with the launcher's own
// flags (bin/telepresence): after tuneGcForTraffic() a scavenge frees a dead young ArrayBuffer before it
// returns. V8's default frees it on its worker thread, some time later, and until then its bytes count
// against the old generation's limit (in a session: a full collection every ~10 MB of SSH traffic). Without
// the call about one scavenge in four here still finds the buffer counted afterwards, so 20 in a row all
// freed at once does not happen by chance (0.75^20 < 0.4%).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';

const TUNING = pathToFileURL(fileURLToPath(new URL('../../../src/session/gc-tuning.js', import.meta.url))).href;
const LAUNCHER = fileURLToPath(new URL('../../../../bin/telepresence', import.meta.url));

/** The V8 flags bin/telepresence gives node (`exec node FLAGS "$entry"`). */
function launcherFlags(): string[] {
  const m = /^exec node (.*) "\$entry"/m.exec(readFileSync(LAUNCHER, 'utf8'));
  if (!m) throw new Error(`no 'exec node ... "$entry"' line in ${LAUNCHER}`);
  return m[1].split(' ');
}

/** MB of ArrayBuffers still counted right after each of 20 scavenges that follow a dead 32 MB buffer. */
const CHILD = `
const { tuneGcForTraffic } = await import(${JSON.stringify(TUNING)});
tuneGcForTraffic();
const counted = [];
for (let i = 0; i < 20; i++) {
  let b = Buffer.allocUnsafe(32 << 20);
  b[0] = 1;
  b = null;
  gc({ type: 'minor' });
  counted.push(Math.round(process.memoryUsage().arrayBuffers / 1048576));
  await new Promise((r) => setTimeout(r, 20));
}
console.log(JSON.stringify(counted));
`;

describe('GC tuning for traffic (V8 in a child with the launcher flags)', () => {
  it('a scavenge frees a dead young ArrayBuffer before it returns, 20 times in 20', () => {
    const out = execFileSync(process.execPath, [...launcherFlags(), '--expose-gc', '--input-type=module', '-e', CHILD], { encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(out) as number[]).to.deep.equal(Array(20).fill(0));
  });
});
