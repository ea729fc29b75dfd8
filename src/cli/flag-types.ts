// argparse type functions for single flag values: each returns the parsed value or throws a
// message that quotes the value and says what is allowed (argparse adds `argument --flag: `).
import { isAbsolute } from 'node:path';
import type { PortMapping } from '../config/session-options.js';
import { badValue } from './parser-base.js';

function toPort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

export function port(value: string): number {
  const parsed = toPort(value);
  if (parsed === null) throw badValue(value, 'expected a port number from 1 to 65535, e.g. 8080');
  return parsed;
}

/** `PORT` or `FIRST:SECOND` (Telepresence 1 crashed with a traceback on `80:x`). */
export function portMapping(example: string) {
  return function portMapping(value: string): PortMapping {
    const parts = value.split(':');
    const ports = parts.map(toPort);
    if (parts.length > 2 || ports.some((p) => p === null)) {
      throw badValue(value, `expected PORT or PORT:PORT with ports from 1 to 65535, e.g. ${example}`);
    }
    const [first, second] = ports as number[];
    return { workstationPort: first, podPort: second ?? first };
  };
}

/** --mount: true/false (and yes/no/on/off/1/0, as Telepresence 1) or an absolute path. */
export function mountValue(value: string): string | boolean {
  if (isAbsolute(value)) return value;
  const lower = value.toLowerCase();
  if (['true', 'on', 'yes', '1'].includes(lower)) return true;
  if (['false', 'off', 'no', '0'].includes(lower)) return false;
  throw badValue(value, 'Value must be true, false, or an absolute filesystem path');
}

export function absolutePath(value: string): string {
  if (isAbsolute(value)) return value;
  throw badValue(value, 'Value must be an absolute filesystem path');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes object name (DNS-1123 subdomain): Deployments, service accounts. */
function isSubdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every((label) => label.length <= 63 && DNS_LABEL.test(label));
}

export function objectName(kind: string) {
  return function objectName(value: string): string {
    if (isSubdomain(value)) return value;
    throw badValue(value, `a ${kind} name is lower-case letters, digits, '-' and '.', e.g. my-app`);
  };
}

/** A new Deployment also names its Service, which must be a DNS-1035 label. */
export function newDeploymentName(value: string): string {
  if (value.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value)) return value;
  throw badValue(
    value,
    "a new Deployment (and its Service) needs a name of at most 63 lower-case letters, digits and '-', starting with a letter, e.g. my-app",
  );
}

/** `DEPLOYMENT[:CONTAINER]`: both parts are Kubernetes names. */
export function swapTarget(value: string): string {
  const [deployment, container, ...rest] = value.split(':');
  const ok = rest.length === 0 && isSubdomain(deployment) && (container === undefined || DNS_LABEL.test(container));
  if (ok) return value;
  throw badValue(value, 'expected DEPLOYMENT or DEPLOYMENT:CONTAINER with Kubernetes names, e.g. my-app:web');
}

export function namespaceName(value: string): string {
  if (value.length <= 63 && DNS_LABEL.test(value)) return value;
  throw badValue(value, "a namespace is at most 63 lower-case letters, digits and '-', e.g. staging");
}
