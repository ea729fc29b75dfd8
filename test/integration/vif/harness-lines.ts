// The JSON-line loop every VIF harness process speaks (harness.ts, loop-harness.ts): starts the real
// VIF, prints {"ready":...}, answers its stdin commands, and on "teardown" (or a failed start) prints
// the undo failures and exits.
import readline from 'node:readline';
import { UndoStack } from '../../../src/session/undo.js';
import { startVif, type Vif, type VifOptions } from '../../../src/vif/index.js';

const say = (obj: unknown): void => void process.stdout.write(JSON.stringify(obj) + '\n');

/** Runs the VIF with `options` until "teardown"; each other stdin line names a command whose value is printed. */
export async function serveVif(options: Omit<VifOptions, 'undo'>, commands: Record<string, (vif: Vif) => unknown>): Promise<never> {
  const undo = new UndoStack();
  try {
    const vif = await startVif({ ...options, undo });
    say({ ready: true, name: vif.name, address: vif.address, listenPort: vif.listenPort });
    for await (const line of readline.createInterface({ input: process.stdin })) {
      if (line === 'teardown') {
        say({ failures: await undo.unwind() });
        break;
      }
      const command = commands[line];
      if (command) say(command(vif));
    }
    process.exit(0);
  } catch (err) {
    say({ error: (err as Error).message, failures: await undo.unwind() });
    process.exit(1);
  }
}
