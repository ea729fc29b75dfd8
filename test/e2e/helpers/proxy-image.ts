// Builds the proxy image (proxy-pod/build.sh) once per test run, so sessions run the code under test;
// and images of it that are not this release's, for the refusals of --deployment.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

import { proxyImage } from '../../../src/config/proxy-image.js';

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

/**
 * `tag`: the proxy image (ensureProxyImage first) whose podinfo answers pod protocol 2 (another release's), or
 * with no podinfo at all (an image of before the protocol). The test removes it (docker rmi).
 */
export async function buildProxyVariant(tag: string, variant: 'protocol-2' | 'no-podinfo'): Promise<void> {
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-proxy-variant-'));
  try {
    const change = variant === 'protocol-2' ? 'COPY podinfo /usr/local/bin/telepresence-podinfo' : 'RUN rm /usr/local/bin/telepresence-podinfo';
    fs.writeFileSync(path.join(context, 'podinfo'), '#!/bin/sh\necho \'{"protocolVersion":2,"env":{},"hostname":"x","hosts":"","resolv":"","mountpoints":[]}\'\n', { mode: 0o755 });
    fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${proxyImage({})}\nUSER 0:0\n${change}\nUSER 1000:1000\n`);
    await execa('docker', ['build', '-q', '-t', tag, context]);
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
}
