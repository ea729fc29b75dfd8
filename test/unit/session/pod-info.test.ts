// readPodInfo: the pod's answer is taken only from an image of this pod protocol; every other answer
// is one line naming the image, both versions and the fix.
import { expect } from 'chai';

import { packageVersion } from '../../../src/config/version.js';
import { ClusterError } from '../../../src/errors.js';
import { readPodInfo } from '../../../src/session/pod-info.js';

const IMAGE = 'telepresence/proxy:0.0.9';
const V = packageVersion();
const FIX = `build telepresence/proxy:${V} with proxy-pod/build.sh (add --tag REGISTRY/telepresence/proxy:${V} --push for a cluster that pulls from a registry) or set TELEPRESENCE_PROXY_IMAGE to an image of telepresence ${V}`;
const INFO = { env: { A: '1' }, hostname: 'h', hosts: '', resolv: '', mountpoints: ['/data'] };

describe('session/pod-info readPodInfo', () => {
  it('runs telepresence-podinfo and returns the answer of an image of this protocol', async () => {
    const commands: string[] = [];
    const answer = { protocolVersion: 1, ...INFO };
    const info = await readPodInfo({ exec: async (c) => { commands.push(c); return `${JSON.stringify(answer)}\n`; } }, IMAGE);
    expect(commands).to.deep.equal(['telepresence-podinfo']);
    expect(info).to.deep.equal(answer);
  });

  const cases: Array<[string, string, string]> = [
    ['older', JSON.stringify({ protocolVersion: 0, ...INFO }),
      `the proxy image ${IMAGE} speaks pod protocol 0, this telepresence ${V} speaks 1: ${FIX}`],
    ['newer', JSON.stringify({ protocolVersion: 2, ...INFO }),
      `the proxy image ${IMAGE} speaks pod protocol 2, this telepresence ${V} speaks 1: use the telepresence release that image belongs to, or ${FIX}`],
    ['missing (an image from before versioning)', JSON.stringify(INFO),
      `the proxy image ${IMAGE} speaks pod protocol 0 (none), this telepresence ${V} speaks 1: ${FIX}`],
    ['not JSON', 'sh: 1: node: not found\n',
      `the proxy image ${IMAGE} answered telepresence-podinfo with something that is not JSON (it began "sh: 1: node: not found\\n"): ${FIX}`],
    ['this version without env', JSON.stringify({ protocolVersion: 1, hostname: 'h', mountpoints: [] }),
      `the proxy image ${IMAGE} speaks pod protocol 1 but its telepresence-podinfo answer lacks env or mountpoints: ${FIX}`],
  ];
  for (const [what, answer, message] of cases) {
    it(`refuses ${what} in one line`, async () => {
      const err = await readPodInfo({ exec: async () => answer }, IMAGE).then(() => null, (e: unknown) => e);
      expect(err).to.be.instanceOf(ClusterError);
      expect((err as Error).message).to.equal(message);
      expect((err as Error).message).to.not.contain('\n');
    });
  }
});
