// The relay mode's settings (--proxy-via), read once from the ephemeral container's environment. Pure:
// the environment is passed in. Names and defaults are src/protocol's relay contract.
import { RELAY_ENV, RELAY_IDLE_SECONDS, RELAY_PID_FILE, RELAY_PORT, RELAY_SECRET_MIN_LENGTH } from '../../src/protocol/index.js';

export interface RelaySettings {
  listenHost: string;
  port: number;
  secret: string;
  /** Exit after this long without an open connection (also right after the start). */
  idleSeconds: number;
  pidFile: string;
}

function wholeNumber(env: Record<string, string | undefined>, name: string, fallback: number, max: number, what: string): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) {
    throw new Error(`${name}=${JSON.stringify(text)} is not ${what}: set it to a number from 0 to ${max}, or unset it for ${fallback}`);
  }
  return Number(text);
}

export function readRelaySettings(env: Record<string, string | undefined>): RelaySettings {
  const secret = env[RELAY_ENV.secret] ?? '';
  if (secret.length < RELAY_SECRET_MIN_LENGTH) {
    throw new Error(`${RELAY_ENV.secret} is ${secret === '' ? 'not set' : `only ${secret.length} characters long`}: the relay serves only a session that knows its secret (${RELAY_SECRET_MIN_LENGTH} characters or more)`);
  }
  const idleSeconds = wholeNumber(env, RELAY_ENV.idleSeconds, RELAY_IDLE_SECONDS, 86_400, 'a number of seconds');
  if (idleSeconds === 0) throw new Error(`${RELAY_ENV.idleSeconds}="0": the relay would exit at once; give 1 or more seconds, or unset it for ${RELAY_IDLE_SECONDS}`);
  return {
    listenHost: env[RELAY_ENV.listenHost] || '0.0.0.0',
    port: wholeNumber(env, RELAY_ENV.port, RELAY_PORT, 65_535, 'a port'),
    secret,
    idleSeconds,
    pidFile: env[RELAY_ENV.pidFile] || RELAY_PID_FILE,
  };
}
