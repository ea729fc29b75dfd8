// What every bench prints the same way: an aim's line (`aim <what>: met|NOT met (<figures>)`, which
// `npm run bench` gathers into its summary) and how a bench file runs as a program of its own.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The line of one aim: `aim <what>: met (<figures>)` or `aim <what>: NOT met (<figures>)`. */
export function aimLine(what: string, met: boolean, figures: string): string {
  return `aim ${what}: ${met ? 'met' : 'NOT met'} (${figures})`;
}

/** The aim lines of a bench's printed text. */
export function aimLines(text: string): string[] {
  return text.split('\n').filter((l) => /^aim .*: (met|NOT met)\b/.test(l));
}

/**
 * When the file at `url` is the program node runs (`npm run bench:<name>`), prints what `run` returns;
 * a bench that fails prints why and exits 1. Imported by `npm run bench` (all.ts), it does nothing.
 */
export function runIfMain(url: string, run: () => Promise<string>): void {
  if (!process.argv[1] || path.resolve(process.argv[1]) !== fileURLToPath(url)) return;
  run().then((text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`), (err: Error) => {
    console.error(`bench: ${err.message}`);
    process.exit(1);
  });
}
