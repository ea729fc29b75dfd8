// argparse (a port of Python's, which Telepresence 1 used) made quiet: a usage mistake becomes a
// UsageError (one line, no usage dump) and --help/--version become a ParserExit, so only main exits.
import { ArgumentParser, ArgumentTypeError, RawDescriptionHelpFormatter } from 'argparse';
import type { ArgumentParserOptions } from 'argparse';
import { UsageError } from '../errors.js';

/** --help or --version ran: `output` goes to stdout and the process ends with `status`. */
export class ParserExit extends Error {
  constructor(
    readonly status: number,
    readonly output: string,
  ) {
    super(`parser exit ${status}`);
  }
}

interface QuietParser {
  _print_message(message: string, file?: unknown): void;
  exit(status?: number, message?: string): never;
  error(message: string): never;
}

export function createParser(options: ArgumentParserOptions): ArgumentParser {
  const parser = new ArgumentParser({
    formatter_class: RawDescriptionHelpFormatter,
    // Abbreviations would make every new flag a breaking change (Telepresence 1 turned them off too).
    allow_abbrev: false,
    color: false,
    ...options,
  });
  let printed = '';
  const quiet = parser as unknown as QuietParser;
  quiet._print_message = (message: string) => {
    printed += message;
  };
  quiet.exit = (status = 0, message?: string) => {
    throw new ParserExit(status, printed + (message ?? ''));
  };
  // argparse's own texts name the flag but not always the way out: point at --help for those.
  const prog = parser.prog;
  quiet.error = (message: string) => {
    const hint = /^unrecognized arguments|expected one argument$/.test(message) ? `; see '${prog} --help'` : '';
    throw new UsageError(message + hint);
  };
  return parser;
}

/** The error a type function throws: argparse prefixes it with `argument --flag: `. */
export function badValue(value: string, why: string): ArgumentTypeError {
  return new ArgumentTypeError(`${quote(value)}: ${why}`);
}

/** Python's repr() of a string, as argparse prints values. */
export function quote(value: string): string {
  return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value.replace(/'/g, "\\'")}'`;
}
