// Builds the proxy image (proxy-pod/build.sh) once per test run, so sessions run the code under test.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
let built: Promise<void> | undefined;

export function ensureProxyImage(): Promise<void> {
  built ??= (async () => {
    const r = await execa('sh', [path.join(ROOT, 'proxy-pod/build.sh')], { reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`proxy-pod/build.sh failed (exit ${r.exitCode}):\n${r.all}`);
  })();
  return built;
}

export const REPO_ROOT = ROOT;
