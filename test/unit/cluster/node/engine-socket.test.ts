// Where the kubelet's inspect and removal requests go: the socket the docker CLI would use.
import { expect } from 'chai';

import { engineSocket } from '../../../cluster/node/docker.js';

describe('test cluster kubelet: the Docker engine socket', () => {
  const cases: Array<[string | undefined, string | null]> = [
    [undefined, '/var/run/docker.sock'],
    ['', '/var/run/docker.sock'],
    ['unix:///run/user/0/docker.sock', '/run/user/0/docker.sock'],
    ['tcp://127.0.0.1:2375', null],
    ['ssh://me@host', null],
  ];
  for (const [host, socket] of cases) {
    it(`DOCKER_HOST=${JSON.stringify(host)}: ${socket ?? 'the CLI'}`, () => {
      expect(engineSocket(host === undefined ? {} : { DOCKER_HOST: host })).to.equal(socket);
    });
  }
});
