// Test plumbing for the VIF: a network namespace of the test's own, processes started inside it
// (the servers and the VIF harness, which speaks JSON lines), and commands run inside it.
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { waitFor } from '../../helpers/poll.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

export const inNs = (ns: string, cmd: string, args: string[], input?: string) =>
  execa('ip', ['netns', 'exec', ns, cmd, ...args], { reject: false, input, stripFinalNewline: false });

export async function createNetns(ns: string): Promise<void> {
  await deleteNetns(ns);
  await execa('ip', ['netns', 'add', ns]);
  await execa('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  // A second source address for the "same source port from two clients" case.
  await execa('ip', ['-n', ns, 'addr', 'add', '10.77.0.2/32', 'dev', 'lo']);
  // An IPv6 source, so a client can try an IPv6 destination routed to the TUN.
  await execa('ip', ['-n', ns, 'addr', 'add', 'fd00:77::2/128', 'dev', 'lo', 'nodad']);
}

export async function setRpFilter(ns: string, value: 0 | 1 | 2): Promise<void> {
  for (const key of ['all', 'default', 'lo']) {
    await execa('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv4.conf.${key}.rp_filter=${value}`]);
  }
}

export async function deleteNetns(ns: string): Promise<void> {
  // Killing the namespace's processes first: a namespace is only freed when nothing uses it.
  const pids = await execa('ip', ['netns', 'pids', ns], { reject: false });
  for (const pid of String(pids.stdout).split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await execa('ip', ['netns', 'del', ns], { reject: false });
}

/** A child process in the namespace whose stdout is JSON lines (or, for servers, plain lines). */
export class NsProcess {
  private readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  readonly proc: ResultPromise;

  constructor(ns: string, script: string, args: string[] = []) {
    this.proc = execa('ip', ['netns', 'exec', ns, process.execPath, here(script), ...args], { reject: false, stdin: 'pipe', buffer: false });
    readline.createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.proc.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${script}] ${d}`));
  }

  /** The next output line, within the deadline. */
  async next(deadlineMs = 10000): Promise<string> {
    const end = Date.now() + deadlineMs;
    while (this.lines.length === 0) {
      if (Date.now() > end) throw new Error('no output line from the process within the deadline');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, end - Date.now()));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
    return this.lines.shift()!;
  }

  async ask<T>(command: string): Promise<T> {
    this.proc.stdin!.write(command + '\n');
    return JSON.parse(await this.next()) as T;
  }
}

export const startServers = async (ns: string): Promise<NsProcess> => {
  const p = new NsProcess(ns, './servers.js');
  const line = await p.next();
  if (line !== 'servers ready') throw new Error(`servers.js said ${line}`);
  return p;
};

export interface Ready {
  ready: boolean;
  name: string;
  address: string;
  listenPort: number;
  error?: string;
}

export const startHarness = async (ns: string, config: object): Promise<{ harness: NsProcess; ready: Ready }> => {
  const harness = new NsProcess(ns, './harness.js', [JSON.stringify(config)]);
  const ready = JSON.parse(await harness.next()) as Ready;
  if (!ready.ready) throw new Error(`the VIF harness failed: ${ready.error}`);
  return { harness, ready };
};

/** curl inside the namespace; returns exit code, body, and the -w figures as `info`. */
export async function curl(ns: string, url: string, extra: string[] = [], write = '%{time_total}'): Promise<{ code: number; body: string; info: string }> {
  const r = await inNs(ns, 'curl', ['-s', '--max-time', '20', '-w', `\n@@${write}`, ...extra, url]);
  const out = String(r.stdout);
  const at = out.lastIndexOf('\n@@');
  return { code: r.exitCode ?? -1, body: at >= 0 ? out.slice(0, at) : out, info: at >= 0 ? out.slice(at + 3) : '' };
}

export async function pollUntil<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, deadlineMs: number): Promise<T> {
  let last: T | undefined;
  try {
    return await waitFor(what, deadlineMs, async () => {
      last = await probe();
      return ok(last) ? last : undefined;
    }, 50);
  } catch {
    throw new Error(`${what}: still ${JSON.stringify(last)} after ${deadlineMs} ms`);
  }
}
