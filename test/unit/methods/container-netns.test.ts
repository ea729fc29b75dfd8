import { expect } from 'chai';
import { cgroupHasContainer, dockerEngineEnv } from '../../../methods/container/netns.js';
import { UsageError } from '../../../src/errors.js';

const ID = 'b872b54873cb7e3a02d94be786f179ec12a288410b5c961a179c926cf685b06c';

describe('container method: the engine and the namespace of its container', () => {
  const cgroups: { text: string; id: string; want: boolean }[] = [
    { text: `0::/docker/${ID}\n`, id: ID, want: true }, // cgroupfs driver, v2
    { text: `0::/system.slice/docker-${ID}.scope\n`, id: ID, want: true }, // systemd driver
    { text: `9:name=systemd:/docker/${ID}\n0::/docker/${ID}\n`, id: ID, want: true }, // v1 and v2
    { text: '0::/user.slice/user-1000.slice/session-2.scope\n', id: ID, want: false }, // another process of this machine
    { text: '', id: ID, want: false }, // no such process
    { text: `0::/docker/${ID}\n`, id: '', want: false }, // no id from the engine
  ];
  for (const c of cgroups) {
    it(`${c.want ? 'finds' : 'does not find'} the container in ${JSON.stringify(c.text.slice(0, 40))}`, () => {
      expect(cgroupHasContainer(c.text, c.id)).to.equal(c.want);
    });
  }

  it('passes --docker-host on as DOCKER_HOST and keeps the environment otherwise', () => {
    expect(dockerEngineEnv({ A: '1' }, null)).to.deep.equal({ A: '1' });
    expect(dockerEngineEnv({ A: '1', DOCKER_HOST: 'unix:///x' }, 'tcp://127.0.0.1:2375')).to.deep.equal({ A: '1', DOCKER_HOST: 'tcp://127.0.0.1:2375' });
  });

  it('refuses a host name alone (Telepresence 1 form) with the fix', () => {
    expect(() => dockerEngineEnv({}, 'docker.local')).to.throw(UsageError,
      "--docker-host docker.local: name the Docker engine by its address, e.g. unix:///var/run/docker.sock or tcp://127.0.0.1:2375 (the container method needs an engine on this machine; its containers reach this machine's ports with --container-to-host)");
  });
});
