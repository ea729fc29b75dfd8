// The texts of pods/exec and pods/attach: stream flags from the query, the Status on the error channel byte for
// byte (what kubelet and the API server's stream translator write), and the resize stream's JSON sizes.
import { expect } from 'chai';
import { ResizeDecoder, parseStreamOptions, statusJson } from '../../../cluster/remotecommand/status.js';
import type { CommandOutcome } from '../../../cluster/remotecommand/types.js';

describe('remotecommand status and options', () => {
  const queries: [string, object | string][] = [
    ['stdout=true&stderr=true', { stdin: false, stdout: true, stderr: true, tty: false }],
    ['stdin=true&stdout=true&tty=true&stderr=true', { stdin: true, stdout: true, stderr: false, tty: true }],
    ['stdin=1&stdout=1', { stdin: true, stdout: true, stderr: false, tty: false }],
    ['stdout=false&stderr=false&stdin=false&tty=true', 'you must specify at least 1 of stdin, stdout, stderr'],
    ['', 'you must specify at least 1 of stdin, stdout, stderr'],
  ];
  for (const [q, want] of queries) {
    it(`options of ?${q}`, () => expect(parseStreamOptions(new URLSearchParams(q))).to.deep.equal(want));
  }

  const cmd = ['sh', '-c', 'exit 3'];
  const statuses: [string, CommandOutcome, 'exec' | 'attach', 'kubelet' | 'translator', string][] = [
    ['success', { exitCode: 0 }, 'exec', 'kubelet', '{"metadata":{},"status":"Success"}'],
    ['success (v5)', { exitCode: 0 }, 'exec', 'translator', '{"metadata":{},"status":"Success"}'],
    ['exit 3 from kubelet (SPDY, WebSocket v4)', { exitCode: 3 }, 'exec', 'kubelet',
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",' +
      '"reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}'],
    ['exit 3 through the translator (v5)', { exitCode: 3 }, 'exec', 'translator',
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: command terminated with exit code 3",' +
      '"reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}'],
    ['a runtime error from kubelet', { error: 'failed to exec in container: OCI runtime exec failed: x' }, 'exec', 'kubelet',
      '{"metadata":{},"status":"Failure","message":"Internal error occurred: error executing command in container: failed to exec in container: OCI runtime exec failed: x",' +
      '"reason":"InternalError","details":{"causes":[{"message":"error executing command in container: failed to exec in container: OCI runtime exec failed: x"}]},"code":500}'],
    ['a runtime error through the translator', { error: 'e' }, 'exec', 'translator',
      '{"metadata":{},"status":"Failure","message":"Internal error occurred: Internal error occurred: error executing command in container: e",' +
      '"reason":"InternalError","details":{"causes":[{"message":"Internal error occurred: error executing command in container: e"}]},"code":500}'],
    ['attach: the container\'s exit is a success', { exitCode: 7 }, 'attach', 'kubelet', '{"metadata":{},"status":"Success"}'],
    ['attach: an error', { error: 'You cannot attach to a stopped container, start it first' }, 'attach', 'kubelet',
      '{"metadata":{},"status":"Failure","message":"Internal error occurred: error attaching to container: You cannot attach to a stopped container, start it first",' +
      '"reason":"InternalError","details":{"causes":[{"message":"error attaching to container: You cannot attach to a stopped container, start it first"}]},"code":500}'],
  ];
  for (const [name, outcome, verb, writer, json] of statuses) {
    it(`status: ${name}`, () => expect(statusJson(outcome, verb, verb === 'exec' ? cmd : [], writer)).to.equal(json));
  }

  const resizes: [string, string[], object[]][] = [
    ['one per message, with json.Encoder\'s newline', ['{"Width":80,"Height":24}\n', '{"Width":100,"Height":30}\n'],
      [{ width: 80, height: 24 }, { width: 100, height: 30 }]],
    ['split across frames', ['{"Width":1', '20,"Height"', ':40}\n'], [{ width: 120, height: 40 }]],
    ['two in one chunk', ['{"Width":1,"Height":2}\n{"Width":3,"Height":4}\n'], [{ width: 1, height: 2 }, { width: 3, height: 4 }]],
    ['a zero size (kubectl could not read its terminal)', ['{"Width":0,"Height":0}'], [{ width: 0, height: 0 }]],
    ['bad JSON and out-of-range values are skipped', ['{nope}{"Width":70000,"Height":1}{"Width":-1,"Height":1}{"Width":5,"Height":6}'],
      [{ width: 5, height: 6 }]],
  ];
  for (const [name, chunks, want] of resizes) {
    it(`resize: ${name}`, () => {
      const d = new ResizeDecoder();
      expect(chunks.flatMap((c) => d.push(Buffer.from(c)))).to.deep.equal(want);
    });
  }
});
