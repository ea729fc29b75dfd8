// On a local cluster (TELEPRESENCE_NAMESERVER), the SOCKS server's look-ups of names outside the cluster
// go to that nameserver as the DNS server's do: the pod's own resolver would ask the cluster DNS, whose
// fallback is the workstation (minikube's host-only network), and inject-tcp's names would come back round.
import { isClusterName } from './dns/policy.js';
import type { Upstream } from './dns/upstream.js';
import { NameNotFoundError, type PodResolver } from './resolver.js';

const A = 1;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** `base` for cluster names (TP1's rule, isClusterName) and IPv4 literals; `upstream` for every other name. */
export function externalNameResolver(base: PodResolver, upstream: Upstream, localNames: readonly string[]): PodResolver {
  return {
    async lookupIPv4(name) {
      if (IPV4.test(name) || isClusterName(name, localNames)) return base.lookupIPv4(name);
      let answers;
      try {
        answers = await upstream(name, A);
      } catch (err) {
        throw new NameNotFoundError(name, `the local cluster's nameserver did not answer (${(err as Error).message})`);
      }
      const ips = [...new Set(answers.filter((a) => a.type === A && a.address).map((a) => a.address as string))];
      if (ips.length === 0) throw new NameNotFoundError(name, "ENOTFOUND (the local cluster's nameserver)");
      return ips;
    },
    reverse: (ip) => base.reverse(ip),
  };
}
