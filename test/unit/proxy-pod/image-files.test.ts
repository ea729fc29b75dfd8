// The image's shell, Dockerfile and sshd files cannot import src/protocol, so they spell some of its
// values; this table holds each spelling to the module (a changed value fails here, naming the file).
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  DNS_PORT, POD_ENV, POD_HOST_KEY_FILE, PODINFO_COMMAND, PROXY_SSH_USER, PROXY_UID, RELAY_COMMAND, SOCKS_PORT, SSH_PORT,
} from '../../../src/protocol/index.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../proxy-pod');
const HOME = `/home/${PROXY_SSH_USER}`;

describe('proxy-pod image files spell src/protocol', () => {
  const table: Array<[string, string[]]> = [
    ['Dockerfile', [
      `useradd --uid ${PROXY_UID} --user-group --create-home --home-dir ${HOME} --shell /bin/sh ${PROXY_SSH_USER}`,
      `COPY podinfo.sh /usr/local/bin/${PODINFO_COMMAND}`,
      `USER ${PROXY_UID}:${PROXY_UID}`,
      `EXPOSE ${SSH_PORT} ${SOCKS_PORT} ${DNS_PORT}/udp ${DNS_PORT}/tcp`,
    ]],
    ['sshd_config', [`Port ${SSH_PORT}`, `AllowUsers ${PROXY_SSH_USER}`, `HostKey ${HOME}/.ssh/ssh_host_ed25519_key`]],
    ['entrypoint.sh', [
      `key="\${${POD_ENV.sshPublicKey}:-}"`,
      `export ${POD_ENV.stateDir}=${HOME}/.telepresence-pod`,
      `chown -R ${PROXY_UID}:${PROXY_UID}`,
      `"AllowUsers=root ${PROXY_SSH_USER}"`,
      // the relay's command (an ephemeral container's, --proxy-via) runs the same program as serve
      `exec ${RELAY_COMMAND.slice(0, 2).join(' ')} serve`,
    ]],
    ['podinfo.sh', [`${POD_ENV.stateDir}=${HOME}/.telepresence-pod exec`]],
  ];
  it('the host key file the launcher pins is the .pub of sshd_config\'s HostKey, which entrypoint.sh makes', () => {
    const sshd = fs.readFileSync(path.join(DIR, 'sshd_config'), 'utf8');
    const entrypoint = fs.readFileSync(path.join(DIR, 'entrypoint.sh'), 'utf8');
    expect(/^HostKey (.*)$/m.exec(sshd)?.[1] + '.pub').to.equal(POD_HOST_KEY_FILE);
    expect(`${HOME}/.ssh/ssh_host_ed25519_key.pub`).to.equal(POD_HOST_KEY_FILE);
    expect(entrypoint).to.contain('host_key="$ssh_dir/ssh_host_ed25519_key"');
    expect(entrypoint).to.contain('[ -s "$host_key.pub" ] || ssh-keygen -y -f "$host_key" > "$host_key.pub"');
  });

  for (const [file, lines] of table) {
    it(file, () => {
      const text = fs.readFileSync(path.join(DIR, file), 'utf8');
      expect(lines.filter((l) => !text.includes(l)), `missing from proxy-pod/${file}`).to.deep.equal([]);
    });
  }
});
