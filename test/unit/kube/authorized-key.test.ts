// The session's key line in an existing pod's sshd: the line itself, and the two scripts run by a real sh
// over temporary homes (their paths swapped in): added once, removed exactly, other lines and modes kept.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ClusterError } from '../../../src/errors.js';
import { ADD_KEY_SCRIPT, KEY_DIRS, REMOVE_KEY_SCRIPT, sessionKeyLine } from '../../../src/kube/authorized-key.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFoo+bar/BAZ=';

describe('kube/authorized-key', () => {
  describe('sessionKeyLine', () => {
    it('gives the key the comment telepresence-<session id>', () => {
      expect(sessionKeyLine(`${KEY} telepresence-abc`, 'abc')).to.equal(`${KEY} telepresence-abc`);
      expect(sessionKeyLine(`${KEY} someone@laptop`, '0a1b2c')).to.equal(`${KEY} telepresence-0a1b2c`);
    });
    for (const bad of ['', 'ssh-ed25519', `${KEY}\nssh-ed25519 AAAA x`, 'ssh-dss AAAA x', 'ssh-ed25519 not!base64']) {
      it(`refuses ${JSON.stringify(bad.slice(0, 30))}`, () => expect(() => sessionKeyLine(bad, 's')).to.throw(ClusterError, "the session's public key is not one OpenSSH key line"));
    }
  });

  describe('the scripts (sh, temporary homes)', () => {
    let home: string;
    let file: string;
    const run = (script: string, line: string) => execFileSync('sh', ['-c',
      script.replaceAll(KEY_DIRS.root, path.join(home, 'root-ssh')).replaceAll(KEY_DIRS.proxy, path.join(home, 'ssh')), 'telepresence-key', line],
    { encoding: 'utf8' });
    beforeEach(() => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-keys-'));
      file = path.join(home, 'ssh', 'authorized_keys');
    });
    afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

    it("adds the line once, in a 0600 file of a 0700 directory (root's when run as root)", () => {
      if (process.getuid?.() === 0) file = path.join(home, 'root-ssh', 'authorized_keys');
      const line = `${KEY} telepresence-s1`;
      expect(run(ADD_KEY_SCRIPT, line)).to.equal('');
      run(ADD_KEY_SCRIPT, line);
      expect(fs.readFileSync(file, 'utf8')).to.equal(`${line}\n`);
      expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).to.equal(0o700);
    });

    it('removes exactly its line (not one that only starts or ends alike), says so, and keeps the mode', () => {
      fs.mkdirSync(path.dirname(file), { mode: 0o700 });
      const mine = `${KEY} telepresence-s1`;
      const others = [`${KEY} telepresence-s10`, `x${mine}`, `${KEY} telepresence-s2`];
      fs.writeFileSync(file, [others[0], mine, others[1], others[2]].join('\n') + '\n', { mode: 0o600 });
      expect(run(REMOVE_KEY_SCRIPT, mine)).to.equal(`removed ${file}\n`);
      expect(fs.readFileSync(file, 'utf8')).to.equal(others.join('\n') + '\n');
      expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
      expect(run(REMOVE_KEY_SCRIPT, mine)).to.equal('');
      expect(fs.readdirSync(path.dirname(file)).sort()).to.deep.equal(['authorized_keys', 'authorized_keys.lock']);
    });

    it('leaves an empty file when its line was the only one; a missing file is no error', () => {
      fs.mkdirSync(path.dirname(file), { mode: 0o700 });
      const mine = `${KEY} telepresence-s1`;
      fs.writeFileSync(file, `${mine}\n`, { mode: 0o600 });
      expect(run(REMOVE_KEY_SCRIPT, mine)).to.equal(`removed ${file}\n`);
      expect(fs.readFileSync(file, 'utf8')).to.equal('');
      fs.rmSync(path.dirname(file), { recursive: true });
      expect(run(REMOVE_KEY_SCRIPT, mine)).to.equal('');
    });
  });
});
