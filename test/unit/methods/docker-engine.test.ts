// The container method's engine check as text: each way docker fails is one line naming the engine
// and the fix (the live engine, a dead socket and a missing CLI: test/integration/methods).
import { expect } from 'chai';

import { engineAddress, engineFailure } from '../../../methods/container/docker-engine.js';

describe('container method: the Docker engine check', () => {
  const cases: Array<[string, string, string]> = [
    ['not running', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
      "the Docker engine at unix:///var/run/docker.sock is not running (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?): start it (systemctl start docker, or dockerd &), or point DOCKER_HOST at a running one"],
    ['a user without access', 'Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: dial unix /var/run/docker.sock: connect: permission denied',
      'the Docker engine at unix:///var/run/docker.sock refused this user (Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: dial unix /var/run/docker.sock: connect: permission denied): run telepresence as root, or add the user to the docker group'],
    ['something else', 'Error response from daemon: client version 1.52 is too new. Maximum supported API version is 1.41\n',
      "the Docker engine at unix:///var/run/docker.sock did not answer 'docker version' (Error response from daemon: client version 1.52 is too new. Maximum supported API version is 1.41)"],
    ['nothing said', '', "the Docker engine at unix:///var/run/docker.sock did not answer 'docker version' (no answer)"],
  ];
  for (const [what, stderr, want] of cases) it(what, () => expect(engineFailure(stderr, 'unix:///var/run/docker.sock')).to.equal(want));

  it('names DOCKER_HOST when set, else the default socket', () => {
    expect([engineAddress({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }), engineAddress({})]).to.deep.equal(['tcp://10.0.0.5:2375', 'unix:///var/run/docker.sock']);
  });
});
