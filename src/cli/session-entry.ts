// Where a resolved session starts: the run itself lives in src/session.ts.
import type { Config } from '../config/index.js';
import { runSession } from '../session/run.js';
import type { Io } from './io.js';
import type { SessionOptions } from './options.js';

export async function startSession(options: SessionOptions, config: Config, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runSession(options, config, io, env);
}
