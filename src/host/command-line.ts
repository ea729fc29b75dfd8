// How a host command line and its error output are shown in the log and in error messages.

/** Arguments with spaces or quotes (or empty ones) in JSON quotes, the rest as they are. */
export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (a === '' || /[\s'"\\]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** The last non-empty line of a command's output, at most 200 characters. */
export function lastLine(text: string): string {
  const line = text.trim().split('\n').at(-1)?.trim() ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
