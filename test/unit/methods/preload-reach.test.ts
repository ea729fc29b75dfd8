import { expect } from 'chai';
import { preloadBypassReason, whichCommand } from '../../../methods/preload-reach.js';

describe('inject-tcp: programs LD_PRELOAD cannot reach', () => {
  const cases: { command: string; reason: string | null }[] = [
    { command: 'sh', reason: null }, // dynamically linked C
    { command: 'curl', reason: null },
    { command: 'su', reason: 'it is setuid' },
    { command: 'kubectl', reason: 'it is statically linked' }, // static Go
    { command: 'containerd', reason: 'it is a Go program' }, // dynamically linked Go (docker.io)
    { command: 'torsocks', reason: null }, // a shell script, not ELF
  ];
  for (const c of cases) {
    it(`${c.command}: ${c.reason ?? 'reachable'}`, () => {
      const file = whichCommand(c.command, '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin');
      expect(file, `${c.command} is installed`).to.be.a('string');
      expect(preloadBypassReason(file!)).to.equal(c.reason);
    });
  }

  it('finds nothing for a command that is not on the path', () => {
    expect(whichCommand('no-such-command-here', '/usr/bin:/bin')).to.equal(null);
  });
});
