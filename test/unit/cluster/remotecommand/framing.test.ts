// The shared streaming pieces: WebSocket channel messages (binary and base64), protocol negotiation in the
// client's order, and the gate that turns docker's own failure text into a Status instead of stderr.
import { expect } from 'chai';
import { negotiateProtocol } from '../../../cluster/httpstream/handshake.js';
import { decodeChannelMessage, encodeChannelMessage } from '../../../cluster/httpstream/wsstream.js';
import { FailureGate, dockerAttachArgv, dockerExecArgv } from '../../../cluster/node/exec.js';

describe('remotecommand framing', () => {
  it('a binary message is the channel byte, then the data', () => {
    const m = encodeChannelMessage(1, Buffer.from('hi'), false);
    expect(m).to.deep.equal({ payload: Buffer.from([1, 0x68, 0x69]), binary: true });
    expect(decodeChannelMessage(m.payload as Buffer, true, false)).to.deep.equal({ channel: 1, data: Buffer.from('hi') });
  });

  it('a base64 message is the channel as a digit, then base64 text', () => {
    const m = encodeChannelMessage(3, Buffer.from('{"status":"Success"}'), true);
    expect(m).to.deep.equal({ payload: '3eyJzdGF0dXMiOiJTdWNjZXNzIn0=', binary: false });
    expect(decodeChannelMessage(Buffer.from(m.payload as string), false, true)).to.deep.equal({ channel: 3, data: Buffer.from('{"status":"Success"}') });
  });

  it('v5 CLOSE of stdin is channel 255 with the channel closed as data', () => {
    expect(decodeChannelMessage(Buffer.from([255, 0]), true, false)).to.deep.equal({ channel: 255, data: Buffer.from([0]) });
  });

  it('an empty message has no channel (kubelet skips it); a bare channel byte is an empty write', () => {
    expect(decodeChannelMessage(Buffer.alloc(0), true, false)).to.equal(undefined);
    expect(decodeChannelMessage(Buffer.from([1]), true, false)).to.deep.equal({ channel: 1, data: Buffer.alloc(0) });
  });

  const negotiations: [string[], string[], string | undefined][] = [
    [['v5.channel.k8s.io'], ['v5.channel.k8s.io', 'v4.channel.k8s.io'], 'v5.channel.k8s.io'],
    [['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io'], ['v4.channel.k8s.io'], 'v4.channel.k8s.io'],
    [['v4.channel.k8s.io', 'v5.channel.k8s.io'], ['v5.channel.k8s.io', 'v4.channel.k8s.io'], 'v4.channel.k8s.io'],
    [['v5.channel.k8s.io'], ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'], undefined],
    [[], ['v4.channel.k8s.io'], undefined],
  ];
  for (const [offered, supported, want] of negotiations) {
    it(`negotiates ${JSON.stringify(want)} from [${offered.join(' ')}] against [${supported.join(' ')}]`, () =>
      expect(negotiateProtocol(offered, supported)).to.equal(want));
  }

  const gates: [string, string[], string, boolean][] = [
    ['docker\'s text in pieces is held back and marks a failure', ['OCI runt', 'ime exec failed: exec: "x": not found\n'], '', true],
    ['ordinary stderr passes at once', ['oops\n'], 'oops\n', false],
    ['a prefix of a failure text waits, then passes when it turns out to be output', ['Error', ' in my program\n'], 'Error in my program\n', false],
  ];
  for (const [name, chunks, passed, failed] of gates) {
    it(`failure gate: ${name}`, () => {
      const gate = new FailureGate(['OCI runtime exec failed:', 'Error response from daemon:']);
      const out = chunks.map((c) => gate.push(Buffer.from(c))?.toString() ?? '').join('');
      expect({ out, failed: gate.failed }).to.deep.equal({ out: passed, failed });
      if (failed) expect(gate.held.toString()).to.equal(chunks.join(''));
    });
  }

  it('builds docker exec and docker attach command lines from the stream flags', () => {
    expect(dockerExecArgv('tp_ns_web_main', ['sh', '-c', 'exit 3'], { stdin: true, stdout: true, stderr: false, tty: true }))
      .to.deep.equal(['docker', 'exec', '-i', '-t', 'tp_ns_web_main', 'sh', '-c', 'exit 3']);
    expect(dockerExecArgv('c', ['true'], { stdin: false, stdout: true, stderr: true, tty: false })).to.deep.equal(['docker', 'exec', 'c', 'true']);
    expect(dockerAttachArgv('c', { stdin: false, stdout: true, stderr: true, tty: false }))
      .to.deep.equal(['docker', 'attach', '--sig-proxy=false', '--no-stdin', 'c']);
  });
});
