// The telepresence command: pick the command (`plan`, `repair`, `status` or a Telepresence 1 session), validate flags
// and config once, run, and map the outcome to an exit code. The only place that calls process.exit.
import { applyRoutingFlags, loadConfig, packageVersion } from '../config/index.js';
import { EXIT_CODES, TelepresenceError } from '../errors.js';
import { openLog, type LogWriter } from '../log.js';
import { type Io, processIo } from './io.js';
import { resolveSessionOptions } from './options.js';
import { ParserExit } from './parser-base.js';
import { startSession } from './session-entry.js';
import { createSessionParser } from './session-parser.js';

/** Run one command line; returns the exit code instead of exiting, so tests can call it in-process. */
export async function run(argv: string[], io: Io = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = Date.now();
  let log = openLog('./telepresence.log', { started, stderr: io.stderr });
  try {
    // plan, repair and status are imported when asked for: a session's launcher does not hold their code.
    if (argv[0] === 'plan') {
      const { parsePlanArgs, runPlan } = await import('./plan-command.js');
      const args = parsePlanArgs(argv.slice(1));
      const config = loadConfig({ flag: args.config as string | undefined, env });
      return await runPlan({ args, config }, io);
    }
    if (argv[0] === 'repair') {
      const { parseRepairArgs, runRepair } = await import('./repair-command.js');
      const args = parseRepairArgs(argv.slice(1));
      const config = loadConfig({ flag: args.config as string | undefined, env });
      return await runRepair(args, config, io, env);
    }
    if (argv[0] === 'status') {
      const { parseStatusArgs, runStatus } = await import('./status-command.js');
      return runStatus(parseStatusArgs(argv.slice(1)), io, env);
    }
    const args = createSessionParser(packageVersion()).parse_args(argv);
    log = openLog(args.logfile as string, { verbose: Boolean(args.verbose), started, stderr: io.stderr });
    const options = resolveSessionOptions(args);
    const config = applyRoutingFlags(loadConfig({ flag: options.configFile ?? undefined, env }), options.routing);
    return await startSession(options, config, io, env);
  } catch (err) {
    try {
      return report(err, io, log);
    } catch (reportErr) {
      // Telling the user failed (a closed terminal, say): that is a bug of its own, reported once more.
      return report(reportErr instanceof TelepresenceError ? new Error(reportErr.message) : reportErr, io, log);
    }
  }
}

function report(err: unknown, io: Io, log: LogWriter): number {
  if (err instanceof ParserExit) {
    (err.status === 0 ? io.stdout : io.stderr)(err.output);
    return err.status;
  }
  if (err instanceof TelepresenceError && err.category !== 'bug') {
    io.stderr(`telepresence: error: ${oneLine(err.message)}\n`);
    return EXIT_CODES[err.category];
  }
  // A bug: one line for the user, the stack for the log (on the terminal only with --verbose).
  const error = err instanceof Error ? err : new Error(String(err));
  const where = log(`internal error: ${error.stack ?? error.message}`) ? 'see the log' : 'and the log could not be written';
  io.stderr(`telepresence: internal error: ${oneLine(error.message)} (${where})\n`);
  return EXIT_CODES.bug;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

export async function main(argv: string[]): Promise<never> {
  const code = await run(argv);
  process.exit(code);
}
