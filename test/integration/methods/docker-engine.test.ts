// The container method's engine check against the real docker CLI: the running engine's version, a
// DOCKER_HOST where nothing listens, and a PATH without docker, each one line.
import { expect } from 'chai';

import { checkDockerEngine } from '../../../methods/container/docker-engine.js';
import { HostError } from '../../../src/errors.js';

const failure = (env: NodeJS.ProcessEnv) => checkDockerEngine(env).then(() => 'answered', (err: Error) => `${err instanceof HostError ? 'HostError' : 'other'}: ${err.message}`);

describe('container method: the Docker engine check (real docker CLI)', function () {
  this.timeout(30_000);

  it("gives the running engine's version", async () => {
    expect(await checkDockerEngine({ ...process.env, DOCKER_HOST: '' })).to.match(/^\d+\.\d+\.\d+/);
  });

  it('an engine that is not there: one line naming DOCKER_HOST and how to start one', async () => {
    const sock = 'unix:///nonexistent/docker.sock';
    expect(await failure({ ...process.env, DOCKER_HOST: sock })).to.equal(`HostError: the Docker engine at ${sock} is not running (Cannot connect to the Docker daemon at ${sock}. Is the docker daemon running?): start it (systemctl start docker, or dockerd &), or point DOCKER_HOST at a running one`);
  });

  it('no docker CLI: one line naming the Debian package', async () => {
    expect(await failure({ PATH: '/nonexistent' })).to.equal('HostError: docker: command not found; install the Debian package docker.io (apt-get install docker.io)');
  });
});
