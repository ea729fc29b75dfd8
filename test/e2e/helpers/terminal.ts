// A terminal for e2e tests: runs a program (e.g. `kubectl exec -it`) inside a pty of node-pty, collects what it
// prints, types into it, resizes it, and waits for text to appear (polled with a deadline, never a fixed sleep).
import pty from 'node-pty';
import { waitFor } from '../../helpers/poll.js';

export interface Terminal {
  output(): string;
  type(text: string): void;
  resize(cols: number, rows: number): void;
  /** Resolves once `pattern` shows up in the output after position `from`; returns the index after the match. */
  waitForText(pattern: RegExp | string, timeoutMs?: number, from?: number): Promise<number>;
  exit: Promise<number>;
  kill(): void;
}

export function startTerminal(file: string, args: readonly string[], env: Record<string, string>, cols = 80, rows = 24): Terminal {
  const term = pty.spawn(file, [...args], { name: 'xterm', cols, rows, env: { ...(process.env as Record<string, string>), ...env } });
  let out = '';
  term.onData((d) => { out += d; });
  const exit = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
  return {
    output: () => out,
    type: (text) => term.write(text),
    resize: (c, r) => term.resize(c, r),
    waitForText: async (pattern, timeoutMs = 15_000, from = 0) => {
      const find = () => {
        const rest = out.slice(from);
        if (typeof pattern === 'string') {
          const i = rest.indexOf(pattern);
          return i < 0 ? undefined : from + i + pattern.length;
        }
        const m = pattern.exec(rest);
        return m ? from + m.index + m[0].length : undefined;
      };
      try {
        return await waitFor(`${String(pattern)} in the terminal`, timeoutMs, find, 20);
      } catch (err) {
        throw new Error(`${(err as Error).message}; it printed ${JSON.stringify(out.slice(from))}`);
      }
    },
    exit,
    kill: () => term.kill(),
  };
}

/**
 * Types `stty size` until the shell reports `rows cols` (a resize travels kubectl -> server -> runtime
 * asynchronously, so one try may still see the old size); returns where the answer ended.
 */
export async function sttyUntil(t: Terminal, rows: number, cols: number, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const answer = /\r\n(\d+ \d+)\r\n/;
  let seen = '';
  while (Date.now() < deadline) {
    const from = t.output().length;
    t.type('stty size\r');
    const end = await t.waitForText(answer, 5_000, from);
    seen = answer.exec(t.output().slice(from))![1];
    if (seen === `${rows} ${cols}`) return end;
  }
  throw new Error(`the terminal never reported ${rows} ${cols} (last: ${seen})`);
}

/**
 * The `kubectl exec -it ... -- sh` case both exec suites run: at the prompt the terminal is 80x24, a
 * command prints what it should, a resize to 100x30 reaches the shell, and `exit N` ends kubectl with N.
 */
export async function checkInteractiveShell(t: Terminal, command: string, printed: string, exitCode: number): Promise<void> {
  try {
    await t.waitForText('# '); // the shell's prompt: kubectl has put the terminal in raw mode
    const at = await sttyUntil(t, 24, 80);
    t.type(`${command}\r`);
    await t.waitForText(printed, 10_000, at);
    t.resize(100, 30);
    await sttyUntil(t, 30, 100);
    t.type(`exit ${exitCode}\r`);
    if ((await t.exit) !== exitCode) throw new Error(`kubectl exited ${await t.exit}, not ${exitCode}: ${t.output()}`);
    if (!t.output().includes(`command terminated with exit code ${exitCode}`)) throw new Error(`no exit code line in: ${t.output()}`);
  } finally {
    t.kill();
  }
}
