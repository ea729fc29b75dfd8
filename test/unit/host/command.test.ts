// The real host command runner: exit codes as results, a missing command as a HostError with the
// fix, the log line of each command, and long-running commands with their pid and exit.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { EXIT_CODES, HostError } from '../../../src/errors.js';
import { commandLine, runChecked, runHostCommand, setCommandLog, startHostCommand } from '../../../src/host/command.js';
import { installHint } from '../../../src/host/command-execa.js';

const MS = '\\d+ ms';

describe('host command runner', () => {
  let lines: string[] = [];
  let restoreLog: () => void = () => {};
  beforeEach(() => {
    lines = [];
    restoreLog = setCommandLog((line) => lines.push(line));
  });
  afterEach(() => restoreLog());

  it('true: exit 0, logged with its duration', async () => {
    expect(await runHostCommand('true', [])).to.deep.equal({ exitCode: 0, stdout: '', stderr: '' });
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(new RegExp(`^command: true -> exit 0 in ${MS}$`));
  });

  it('false: exit 1 is a result, not an exception', async () => {
    expect(await runHostCommand('false', [])).to.deep.equal({ exitCode: 1, stdout: '', stderr: '' });
    expect(lines[0]).to.match(new RegExp(`^command: false -> exit 1 in ${MS}$`));
  });

  it("logs the last line of stderr, and quotes arguments with spaces", async () => {
    const r = await runHostCommand('sh', ['-c', 'echo out; echo first >&2; echo "last one" >&2; exit 3']);
    expect(r).to.deep.equal({ exitCode: 3, stdout: 'out', stderr: 'first\nlast one' });
    expect(lines[0]).to.match(new RegExp(`^command: sh -c "echo out; echo first >&2; echo \\\\"last one\\\\" >&2; exit 3" -> exit 3 in ${MS}; stderr: last one$`));
  });

  it('passes stdin input', async () => {
    expect((await runHostCommand('cat', [], { input: 'to stdin' })).stdout).to.equal('to stdin');
  });

  it('a signal is 128 + its number', async () => {
    expect((await runHostCommand('sh', ['-c', 'kill -TERM $$'])).exitCode).to.equal(128 + 15);
  });

  it('a missing command: a HostError naming it and the fix, logged', async () => {
    const err = await runHostCommand('no-such-command-tp', ['--x']).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HostError);
    expect(err).to.include({
      message: 'no-such-command-tp: command not found; install it, or put it on PATH',
      category: 'host', value: 'no-such-command-tp', hint: 'install it, or put it on PATH',
    });
    expect(EXIT_CODES[(err as HostError).category]).to.equal(255);
    expect(lines[0]).to.match(new RegExp(`^command: no-such-command-tp --x -> failed in ${MS}: no-such-command-tp: command not found; install it, or put it on PATH$`));
  });

  it('a missing ip names its Debian package', async () => {
    const err = (await runHostCommand('/nonexistent/sbin/ip', ['route']).catch((e: unknown) => e)) as Error;
    expect(err.message).to.equal('/nonexistent/sbin/ip: command not found; install the Debian package iproute2 (apt-get install iproute2)');
  });

  const hints: [string, string][] = [
    ['ip', 'install the Debian package iproute2 (apt-get install iproute2)'],
    ['resolvectl', 'install the Debian package systemd-resolved (apt-get install systemd-resolved)'],
    ['iptables', 'install the Debian package iptables (apt-get install iptables)'],
    ['sshfs', 'install the Debian package sshfs (apt-get install sshfs)'],
    ['fusermount3', 'install the Debian package fuse3 (apt-get install fuse3)'],
    ['docker', 'install the Debian package docker.io (apt-get install docker.io)'],
    ['kubectl', 'install kubectl (https://kubernetes.io/docs/tasks/tools/) and put it on PATH'],
    ['/opt/tool', 'check the path'],
  ];
  for (const [file, hint] of hints) {
    it(`the fix for a missing ${file}`, () => expect(installHint(file)).to.equal(hint));
  }

  it('a file that is not executable', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tp-cmd-'));
    const file = path.join(dir, 'not-a-program');
    writeFileSync(file, 'data\n', { mode: 0o644 });
    try {
      const err = (await runHostCommand(file, []).catch((e: unknown) => e)) as HostError;
      expect([err.message, err.category]).to.deep.equal([`'${file}' could not start: permission denied`, 'host']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a command that runs too long is killed and named', async () => {
    const err = (await runHostCommand('sleep', ['5'], { timeoutMs: 100 }).catch((e: unknown) => e)) as HostError;
    expect([err.message, err.value]).to.deep.equal(["'sleep 5' did not finish within 0.1 s", 'sleep 5']);
  });

  it('runChecked: stdout, or a HostError with the command line and stderr', async () => {
    expect(await runChecked('echo', ['hello'])).to.equal('hello');
    const err = (await runChecked('sh', ['-c', 'echo "RTNETLINK answers: File exists" >&2; exit 2']).catch((e: unknown) => e)) as HostError;
    expect(err.message).to.equal(`'sh -c "echo \\"RTNETLINK answers: File exists\\" >&2; exit 2"' failed: RTNETLINK answers: File exists`);
    const silent = (await runChecked('false', []).catch((e: unknown) => e)) as HostError;
    expect([silent.message, silent.value]).to.deep.equal(["'false' failed: exit code 1", 'false']);
  });

  it('commandLine: quotes only what needs it', () => {
    expect(commandLine('resolvectl', ['domain', 'tel0', '~cluster.local', ''])).to.equal('resolvectl domain tel0 ~cluster.local ""');
    expect(commandLine('kubectl', ['port-forward', 'pod/x', ':8022'])).to.equal('kubectl port-forward pod/x :8022');
  });

  it('start: a long-running command with its pid, streams, kill and exit, logged', async () => {
    const child = await startHostCommand('sh', ['-c', 'echo bye >&2; echo ready; exec sleep 30']);
    expect(child.pid).to.be.a('number');
    // Both pipes read before the kill (on a busy machine "bye" could still be in its pipe).
    const [ready] = await Promise.all([
      new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString()))),
      new Promise<void>((resolve) => child.stderr.once('data', () => resolve())),
    ]);
    expect(ready).to.equal('ready\n');
    expect(lines).to.deep.equal([`command: sh -c "echo bye >&2; echo ready; exec sleep 30" -> started, pid ${child.pid}`]);
    child.kill();
    expect(await child.exited).to.deep.equal({ exitCode: null, signal: 'SIGTERM' });
    await new Promise((r) => setImmediate(r));
    expect(lines[1]).to.match(new RegExp(`^command: sh -c "echo bye >&2; echo ready; exec sleep 30" \\(pid ${child.pid}\\) -> killed by SIGTERM in ${MS}; stderr: bye$`));
  });

  it('start: an exit code is reported', async () => {
    const child = await startHostCommand('sh', ['-c', 'exit 4']);
    child.stdout.resume();
    expect(await child.exited).to.deep.equal({ exitCode: 4, signal: null });
    await new Promise((r) => setImmediate(r));
    expect(lines[1]).to.match(new RegExp(`^command: sh -c "exit 4" \\(pid ${child.pid}\\) -> exit 4 in ${MS}$`));
  });

  it('start: a missing command is a HostError, before any pid', async () => {
    const err = (await startHostCommand('kubectl-not-here', ['port-forward']).catch((e: unknown) => e)) as HostError;
    expect(err).to.be.instanceOf(HostError);
    expect(err.message).to.equal('kubectl-not-here: command not found; install it, or put it on PATH');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(new RegExp(`^command: kubectl-not-here port-forward -> failed in ${MS}: kubectl-not-here: command not found`));
  });

  it('no log set: commands run and nothing is written', async () => {
    restoreLog();
    const restore = setCommandLog(null);
    try {
      expect((await runHostCommand('true', [])).exitCode).to.equal(0);
      expect(lines).to.deep.equal([]);
    } finally {
      restore();
    }
  });
});
