// The proxy-via relay's contract (--proxy-via CIDR=WORKLOAD): an ephemeral container of the proxy image,
// added to a pod of WORKLOAD, that dials and resolves from inside that pod's network namespace. One port,
// SOCKSv5 with RFC 1929 username/password (the password a per-session secret): CONNECT for streams,
// Tor's RESOLVE (F0) and RESOLVE_PTR (F1) for names, so nothing of the relay answers without the secret.

/** The relay's SOCKS port in the workload pod's network namespace (bound 0.0.0.0: the proxy pod dials the pod IP). */
export const RELAY_PORT = 9056;
/** RFC 1929's username; the password is the session's secret. */
export const RELAY_SOCKS_USER = 'telepresence';
/** The relay exits when it has had no open connection for this long (the session holds one open). */
export const RELAY_IDLE_SECONDS = 30;
/** Fewer characters than this is no secret: the relay refuses to start. */
export const RELAY_SECRET_MIN_LENGTH = 16;

/** The variables of the relay mode (the ephemeral container's env). */
export const RELAY_ENV = {
  /** Required: the SOCKS password (RELAY_SECRET_MIN_LENGTH characters or more). */
  secret: 'TELEPRESENCE_RELAY_SECRET',
  /** RELAY_PORT unless set (0: any free port, for tests). */
  port: 'TELEPRESENCE_RELAY_PORT',
  /** RELAY_IDLE_SECONDS unless set. */
  idleSeconds: 'TELEPRESENCE_RELAY_IDLE_SECONDS',
  /** 0.0.0.0 unless set. */
  listenHost: 'TELEPRESENCE_RELAY_LISTEN_HOST',
  /** Where the relay writes its pid, for the stop command (default RELAY_PID_FILE). */
  pidFile: 'TELEPRESENCE_RELAY_PID_FILE',
} as const;

/** The relay's pid, in its own container's file system (not PID 1: a pod may share one PID namespace). */
export const RELAY_PID_FILE = '/tmp/telepresence-relay.pid';
/** The program in the image (Dockerfile: node and the app's layout). */
export const RELAY_COMMAND: readonly string[] = ['/opt/telepresence/bin/node', '/opt/telepresence/app/proxy-pod/src/main.js', 'relay'];
/** Run through the exec API in the relay's container: SIGTERM to the relay; exit 0 when it was running. */
export const RELAY_STOP_COMMAND: readonly string[] = ['sh', '-c', `kill "$(cat "\${${RELAY_ENV.pidFile}:-${RELAY_PID_FILE}}")"`];
/** The ready line the relay prints (stdout), before `on HOST:PORT`. */
export const RELAY_READY_PREFIX = 'proxy-via relay ready:';

/** What a client of the relay sends first: the greeting offering only method 02, then RFC 1929's message. */
export function relayClientHello(secret: string): Uint8Array {
  const user = [...RELAY_SOCKS_USER].map((c) => c.charCodeAt(0));
  const pass = [...secret].map((c) => c.charCodeAt(0) & 0xff);
  if (pass.length > 255) throw new RangeError('the relay secret is longer than RFC 1929 allows (255 bytes)');
  return Uint8Array.from([0x05, 0x01, 0x02, 0x01, user.length, ...user, pass.length, ...pass]);
}
/** The relay's answer to relayClientHello when the secret is right: method 02 selected, then 01 00. */
export const RELAY_HELLO_ACCEPTED: readonly number[] = [0x05, 0x02, 0x01, 0x00];
