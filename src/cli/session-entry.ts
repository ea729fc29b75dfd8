// Where a resolved session starts. Sessions (kube, tunnel, methods) arrive in later issues; until
// then this says so in one line. The integrator replaces the body with the call into src/session.ts.
import type { Config } from '../config/index.js';
import { EXIT_CODES } from '../errors.js';
import type { Io } from './io.js';
import type { SessionOptions } from './options.js';

/** Exit 1, not 2: the command line was valid; it is the tool that cannot carry it out yet. */
export async function startSession(
  options: SessionOptions,
  config: Config,
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  void config;
  void env;
  io.stderr(`telepresence: the ${options.method} method cannot run yet: sessions come with a later release\n`);
  return EXIT_CODES.conflict;
}
