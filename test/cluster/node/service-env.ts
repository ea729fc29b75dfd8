// The Service environment variables the kubelet injects (pkg/kubelet/envvars): for each Service of the
// pod's namespace with a ClusterIP (plus `kubernetes` from default), the Kubernetes-style
// <NAME>_SERVICE_HOST/_PORT[_<PORTNAME>] and the Docker-link-style <NAME>_PORT[_<port>_<PROTO>[_PROTO|_PORT|_ADDR]].
// Pure.
import type { ServiceObject } from './cluster-dns.js';

function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

export function serviceEnv(services: readonly ServiceObject[]): [string, string][] {
  const out: [string, string][] = [];
  for (const svc of services) {
    const ip = svc.spec?.clusterIP;
    const ports = svc.spec?.ports ?? [];
    if (!ip || ip === 'None' || ports.length === 0) continue;
    const name = envName(svc.metadata.name);
    out.push([`${name}_SERVICE_HOST`, ip], [`${name}_SERVICE_PORT`, String(ports[0]!.port)]);
    for (const p of ports) if (p.name) out.push([`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
    const first = ports[0]!;
    out.push([`${name}_PORT`, `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`]);
    for (const p of ports) {
      const proto = (p.protocol ?? 'TCP').toUpperCase();
      const prefix = `${name}_PORT_${p.port}_${proto}`;
      out.push([prefix, `${proto.toLowerCase()}://${ip}:${p.port}`], [`${prefix}_PROTO`, proto.toLowerCase()],
        [`${prefix}_PORT`, String(p.port)], [`${prefix}_ADDR`, ip]);
    }
  }
  return out;
}

/** The Services whose variables a pod in `namespace` gets (`enableServiceLinks: false` keeps only `kubernetes`). */
export function servicesForPod(all: Iterable<ServiceObject>, namespace: string, enableServiceLinks = true): ServiceObject[] {
  const list = [...all];
  const chosen = enableServiceLinks ? list.filter((s) => s.metadata.namespace === namespace) : [];
  const master = list.find((s) => s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes');
  if (master && !chosen.some((s) => s.metadata.name === 'kubernetes')) chosen.push(master);
  return chosen.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** Kubernetes' $(VAR) expansion in env values, command and args: `$$` escapes, unknown names stay. */
export function expandVars(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return vars.get(name!) ?? m;
  });
}
