// Reads a file the user named (--config, --route-table, a kubeconfig) with a size cap, so a device
// such as /dev/zero or a runaway pipe gives an error instead of filling memory. Pipes are fine.
import { closeSync, openSync, readSync } from 'node:fs';

/** Larger than any real config, route table or kubeconfig. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

export class FileTooLargeError extends Error {
  readonly code = 'EFBIG';
  constructor(readonly limit: number) {
    super(`larger than ${limit / 1024 / 1024} MiB`);
  }
}

/** The file's text (UTF-8); throws the fs error (with its code) or FileTooLargeError. */
export function readBoundedText(file: string, limit = MAX_INPUT_BYTES): string {
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1024 * 1024, limit + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) throw new FileTooLargeError(limit);
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** `does not exist`, `cannot be read (EISDIR)`, `is larger than 16 MiB`: the why of a message. */
export function readFailure(err: unknown): string {
  if (err instanceof FileTooLargeError) return `is ${err.message}`;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  return `cannot be read (${code ?? (err as Error).message})`;
}
