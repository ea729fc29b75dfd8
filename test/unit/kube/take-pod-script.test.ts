// The one exec of --deployment: its sections parsed (a table of outputs), and the script itself run by a real
// sh over a temporary home (podinfo, the host key file and the key directories swapped in): which sections it
// prints, and that the key line is added only when podinfo answered and, for a low port, the uid is 0.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { KEY_DIRS } from '../../../src/kube/authorized-key.js';
import { parseTakePodOutput, TAKE_POD_SCRIPT, type TakePodOutput } from '../../../src/kube/take-pod-script.js';
import { POD_HOST_KEY_FILE, PODINFO_COMMAND } from '../../../src/protocol/index.js';

const B = 'telepresence-0123456789abcdef';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFoo+bar/BAZ= telepresence-s1';

describe('kube/take-pod-script', () => {
  describe('parseTakePodOutput', () => {
    const cases: Array<[string, string, TakePodOutput]> = [
      ['all four sections', `${B} podinfo\n{"a":1}\n\n${B} end 0\n${B} uid\n1000\n${B} end 0\n${B} hostkey\nssh-ed25519 AAAA\n\n${B} end 0\n${B} key\n\n${B} end 0\n`,
        { podinfo: { text: '{"a":1}\n', status: 0 }, uid: { text: '1000', status: 0 }, hostKey: { text: 'ssh-ed25519 AAAA\n', status: 0 }, key: { text: '', status: 0 } }],
      ['no key section (not added)', `${B} podinfo\n\n${B} end 127\n${B} uid\n0\n${B} end 0\n${B} hostkey\ncat: x: No such file\n\n${B} end 1\n`,
        { podinfo: { text: '', status: 127 }, uid: { text: '0', status: 0 }, hostKey: { text: 'cat: x: No such file\n', status: 1 } }],
      ['output without a last newline', `${B} podinfo\n{"a":1}\n${B} end 0\n${B} uid\n5\n${B} end 0\n`,
        { podinfo: { text: '{"a":1}', status: 0 }, uid: { text: '5', status: 0 } }],
      ['a section cut short ends the parse', `${B} podinfo\n{}\n${B} end 0\n${B} uid\n100`, { podinfo: { text: '{}', status: 0 } }],
      ['another boundary is text', `${B} podinfo\ntelepresence-other end 0\n\n${B} end 3\n`, { podinfo: { text: 'telepresence-other end 0\n', status: 3 } }],
      ['nothing', '', {}],
    ];
    for (const [name, stdout, want] of cases) it(name, () => expect(parseTakePodOutput(stdout, B)).to.deep.equal(want));
  });

  describe('the script (sh, a temporary home)', () => {
    let home: string;
    let keys: string;
    const uid = process.getuid?.() ?? 1000;
    /** Runs the script with `podinfo` as the podinfo program (null: none) and `hostKey` in the key file (null: none). */
    function run(podinfo: string | null, hostKey: string | null, rootOnly: boolean): { out: TakePodOutput; stderr: string; status: number | null } {
      const bin = path.join(home, 'bin');
      fs.mkdirSync(bin, { recursive: true });
      fs.rmSync(path.join(bin, 'podinfo'), { force: true });
      if (podinfo !== null) fs.writeFileSync(path.join(bin, 'podinfo'), `#!/bin/sh\n${podinfo}\n`, { mode: 0o755 });
      if (hostKey !== null) fs.writeFileSync(path.join(home, 'host.pub'), hostKey);
      const script = TAKE_POD_SCRIPT.replaceAll(PODINFO_COMMAND, path.join(bin, 'podinfo')).replaceAll(POD_HOST_KEY_FILE, path.join(home, 'host.pub'))
        .replaceAll(KEY_DIRS.root, path.join(home, 'ssh')).replaceAll(KEY_DIRS.proxy, path.join(home, 'ssh'));
      const r = spawnSync('sh', ['-c', script, 'telepresence-take-pod', KEY, B, rootOnly ? '1' : '0'], { encoding: 'utf8' });
      return { out: parseTakePodOutput(r.stdout, B), stderr: r.stderr, status: r.status };
    }
    beforeEach(() => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-take-pod-'));
      keys = path.join(home, 'ssh', 'authorized_keys');
    });
    afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

    it('prints each section and adds the line once over two runs', () => {
      const first = run(`echo '{"protocolVersion":1}'`, 'ssh-ed25519 HOST\n', false);
      expect(first.status).to.equal(0);
      expect(first.out).to.deep.equal({ podinfo: { text: '{"protocolVersion":1}\n', status: 0 }, uid: { text: String(uid), status: 0 },
        hostKey: { text: 'ssh-ed25519 HOST\n', status: 0 }, key: { text: '', status: 0 } });
      run(`echo '{"protocolVersion":1}'`, 'ssh-ed25519 HOST\n', false);
      expect(fs.readFileSync(keys, 'utf8')).to.equal(`${KEY}\n`);
    });

    it('without podinfo: status 127, sh\'s words on stderr, no line', () => {
      const { out, stderr } = run(null, 'ssh-ed25519 HOST\n', false);
      expect(out.podinfo).to.deep.equal({ text: '', status: 127 });
      expect(stderr).to.match(/podinfo: (not found|No such file or directory)/);
      expect(out.key).to.equal(undefined);
      expect(fs.existsSync(keys)).to.equal(false);
    });

    it('podinfo that fails: its status, stdout in the section, stderr on stderr, no line', () => {
      const { out, stderr } = run('echo half; echo broken >&2; exit 3', 'ssh-ed25519 HOST\n', false);
      expect(out.podinfo).to.deep.equal({ text: 'half\n', status: 3 });
      expect(stderr).to.equal('broken\n');
      expect(out.key).to.equal(undefined);
      expect(fs.existsSync(keys)).to.equal(false);
    });

    it(`a low port adds the line only as uid 0 (this test runs as uid ${uid})`, () => {
      const { out } = run(`echo '{}'`, 'ssh-ed25519 HOST\n', true);
      expect(out.key !== undefined).to.equal(uid === 0);
      expect(fs.existsSync(keys)).to.equal(uid === 0);
    });

    it('a missing host key file: cat\'s status and words in its section; the line is still added', () => {
      const { out } = run(`echo '{}'`, null, false);
      expect(out.hostKey?.status).to.not.equal(0);
      expect(out.hostKey?.text).to.match(/No such file/);
      expect(out.key).to.deep.equal({ text: '', status: 0 });
    });
  });
});
