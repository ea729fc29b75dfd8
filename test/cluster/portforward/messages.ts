// The texts kubelet writes on a port-forward error stream, so that kubectl prints what it prints against a
// real node: `error forwarding port 8080 to pod <sandbox>, uid : dial tcp4 10.132.0.5:8080: connect: connection refused`.

/** Go's syscall texts for the errors a dial can meet (what net.Dial puts after `connect: `). */
const GO_ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by peer',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EACCES: 'permission denied',
};

/** Rewrites a Node dial error (`connect ECONNREFUSED 10.132.0.5:8080`) in Go's words, as the runtime reports it. */
export function goDialErrorText(err: unknown): string {
  const e = err as { code?: unknown; address?: unknown; port?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const code = typeof e?.code === 'string' ? e.code : /\b(E[A-Z]{3,})\b/.exec(message)?.[1];
  let address: string | undefined;
  if (typeof e?.address === 'string' && typeof e?.port === 'number') {
    address = e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
  } else {
    address = /(\[[0-9a-fA-F:]+\]:\d+|\d+\.\d+\.\d+\.\d+:\d+)/.exec(message)?.[1];
  }
  const text = code ? GO_ERRNO_TEXT[code] : undefined;
  if (!text || !address) return message;
  const family = address.startsWith('[') ? 'tcp6' : 'tcp4';
  return `dial ${family} ${address}: connect: ${text}`;
}

/** kubelet's text (pkg/kubelet/cri/streaming/portforward): the CRI streaming server passes the sandbox id as
 * the pod and an empty uid, hence `uid : `. */
export function forwardErrorText(port: number, podId: string, err: unknown): string {
  return `error forwarding port ${port} to pod ${podId}, uid : ${goDialErrorText(err)}`;
}

/** kubelet's checks of a stream's `port` header (httpStreamReceived). */
export function portHeaderProblem(value: string | undefined): string | null {
  if (value === undefined || value === '') return '"port" header is required';
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    return `unable to parse "${value}" as a port: strconv.ParseUint: parsing "${value}": ${/^\d+$/.test(value) ? 'value out of range' : 'invalid syntax'}`;
  }
  if (Number(value) < 1) return `port "${value}" must be > 0`;
  return null;
}

/** kubelet's parse of the WebSocket form's port list (NewV4Options): each value may hold a comma list. The API
 * server takes them as `ports` and hands them to kubelet as `port`, whose name kubelet's texts carry. */
export function parsePortsQuery(values: string[]): number[] | string {
  if (values.length === 0) return 'query parameter "port" is required';
  const ports: number[] = [];
  for (const v of values) {
    if (v === '') return 'query parameter "port" cannot be empty';
    for (const p of v.split(',')) {
      if (!/^\d+$/.test(p) || Number(p) > 65535) {
        const why = /^\d+$/.test(p) ? 'value out of range' : 'invalid syntax';
        return `unable to parse "${v}" as a port: strconv.ParseUint: parsing "${p}": ${why}`;
      }
      if (Number(p) < 1) return `port "${v}" must be > 0`;
      ports.push(Number(p));
    }
  }
  return ports;
}
