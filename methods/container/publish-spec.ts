// `docker run -p` values, read for the session's own publishing: the user's container shares the
// sidecar's network namespace, and the session (not docker) listens on the host and dials each
// connection into that namespace, so publishing works on any engine network (even none) and binds
// 127.0.0.1 unless the user named an address. Pure.
import { UsageError } from '../../src/errors.js';

export interface Published {
  /** The host address to listen on: the user's, else 127.0.0.1. */
  readonly address: string;
  /** 0: any free port (docker's `-p 80`). */
  readonly hostPort: number;
  readonly containerPort: number;
}

function portRange(text: string, spec: string): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const first = m ? Number(m[1]) : NaN;
  const last = m?.[2] !== undefined ? Number(m[2]) : first;
  if (!m || first < 1 || last > 65535 || last < first) {
    throw new UsageError(`--docker-run: -p ${spec}: "${text}" is not a port or a range of ports from 1 to 65535 (use -p [IP:][HOSTPORT:]PORT)`, { value: spec });
  }
  return [first, last];
}

/** [IP:][HOSTPORT:]PORT[/tcp], ranges of equal length allowed; other protocols are refused. */
export function parsePublish(spec: string): Published[] {
  const [ports, proto = 'tcp', ...extra] = spec.split('/');
  if (extra.length > 0 || proto.toLowerCase() !== 'tcp') {
    throw new UsageError(`--docker-run: -p ${spec}: only TCP ports can be published with the container method (the session relays them into the container's network)`, { value: spec });
  }
  let address = '127.0.0.1';
  let rest = ports!;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  if (v6) {
    address = v6[1]!;
    rest = v6[2]!;
  }
  const parts = rest.split(':');
  if (!v6 && parts.length === 3) address = parts.shift()!;
  if (parts.length > 2 || (v6 && parts.length !== 2) || address === '') {
    throw new UsageError(`--docker-run: -p ${spec}: not of the form [IP:][HOSTPORT:]PORT[/tcp]`, { value: spec });
  }
  const [cFirst, cLast] = portRange(parts[parts.length - 1]!, spec);
  const hostText = parts.length === 2 ? parts[0]! : '';
  const [hFirst, hLast] = hostText === '' ? [0, 0] : portRange(hostText, spec);
  if (hostText !== '' && hLast - hFirst !== cLast - cFirst) {
    throw new UsageError(`--docker-run: -p ${spec}: the host range ${hostText} and the container range ${parts[1]} differ in length`, { value: spec });
  }
  const out: Published[] = [];
  for (let p = cFirst; p <= cLast; p++) out.push({ address, hostPort: hostText === '' ? 0 : hFirst + (p - cFirst), containerPort: p });
  return out;
}
