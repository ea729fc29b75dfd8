// Local cluster detection by table: contexts, API server addresses, and the routes that reach them.
import { expect } from 'chai';
import { localClusterReason } from '../../../src/engine/index.js';
import type { HostRoute } from '../../../src/engine/types.js';
import { route } from './helpers.js';

/** A laptop: Wi-Fi with its gateway, docker0, minikube's bridge, VirtualBox host-only, a VPN catch-all, a /32 via a gateway. */
const LAPTOP: HostRoute[] = [
  route('0.0.0.0/0', 'wlan0', { gateway: '192.168.1.1' }),
  route('192.168.1.0/24', 'wlan0'),
  route('172.17.0.0/16', 'docker0'),
  route('192.168.49.0/24', 'br-5c1d'),
  route('192.168.56.0/24', 'vboxnet0'),
  route('10.0.0.0/8', 'tun0'),
  route('10.8.0.0/16', 'tun0', { gateway: '10.8.0.1' }),
  route('10.96.0.0/24', 'eth1'),
  route('10.96.0.7/32', 'eth1', { gateway: '10.96.0.1' }),
  route('192.168.56.0/24', 'vboxnet0', { table: 'local', type: 'broadcast' }),
  route('fd00:42::/64', 'vnet0'),
];

const CASES: [string, { context: string; apiServerIps: string[]; routes?: HostRoute[] }, string | null][] = [
  ['minikube by context', { context: 'minikube', apiServerIps: ['203.0.113.9'] }, 'context minikube'],
  ['Docker Desktop', { context: 'docker-desktop', apiServerIps: [] }, 'context docker-desktop'],
  ["Docker Desktop's older name (Telepresence 1)", { context: 'docker-for-desktop', apiServerIps: [] }, 'context docker-for-desktop'],
  ['kind', { context: 'kind-dev', apiServerIps: ['127.0.0.1'] }, 'context kind-dev'],
  ['k3d', { context: 'k3d-mycluster', apiServerIps: ['0.0.0.0'] }, 'context k3d-mycluster'],
  ['"kind-" alone is no kind context; a public server', { context: 'kind-', apiServerIps: ['203.0.113.9'] }, null],
  ['a context that only contains minikube', { context: 'prod-minikube-like', apiServerIps: ['203.0.113.9'] }, null],
  ['loopback server (kind, k3d, an ssh -L tunnel)', { context: 'dev', apiServerIps: ['127.0.0.1'] }, 'API server 127.0.0.1 is a loopback address'],
  ['loopback anywhere in 127/8', { context: 'dev', apiServerIps: ['127.0.1.1'] }, 'API server 127.0.1.1 is a loopback address'],
  ['IPv6 loopback', { context: 'dev', apiServerIps: ['::1'] }, 'API server ::1 is a loopback address'],
  ['minikube on its docker bridge', { context: 'mk2', apiServerIps: ['192.168.49.2'], routes: LAPTOP }, 'API server 192.168.49.2 is on a link of this workstation (192.168.49.0/24 dev br-5c1d)'],
  ['a VM on a VirtualBox host-only network', { context: 'vm', apiServerIps: ['192.168.56.10'], routes: LAPTOP }, 'API server 192.168.56.10 is on a link of this workstation (192.168.56.0/24 dev vboxnet0)'],
  ['a container on docker0', { context: 'c', apiServerIps: ['172.17.0.3'], routes: LAPTOP }, 'API server 172.17.0.3 is on a link of this workstation (172.17.0.0/16 dev docker0)'],
  ['IPv6 ULA on a link', { context: 'v6', apiServerIps: ['fd00:42::5'], routes: LAPTOP }, 'API server fd00:42::5 is on a link of this workstation (fd00:42::/64 dev vnet0)'],
  ['the first local address of several wins', { context: 'x', apiServerIps: ['203.0.113.9', '192.168.56.10'], routes: LAPTOP }, 'API server 192.168.56.10 is on a link of this workstation (192.168.56.0/24 dev vboxnet0)'],
  ['a private address through a gateway (a cluster in the office)', { context: 'x', apiServerIps: ['10.8.3.4'], routes: LAPTOP }, null],
  ['a host route through a gateway beats the link it is in', { context: 'x', apiServerIps: ['10.96.0.7'], routes: LAPTOP }, null],
  ['the same link without that host route', { context: 'x', apiServerIps: ['10.96.0.8'], routes: LAPTOP }, 'API server 10.96.0.8 is on a link of this workstation (10.96.0.0/24 dev eth1)'],
  ["a VPN's /8 catch-all is no host-only link", { context: 'x', apiServerIps: ['10.200.0.1'], routes: LAPTOP }, null],
  ['a private address reached only by the default route', { context: 'x', apiServerIps: ['172.31.0.5'], routes: LAPTOP }, null],
  ['a public address on a link is not a private range', { context: 'x', apiServerIps: ['203.0.113.9'], routes: [route('203.0.113.0/24', 'eth0')] }, null],
  ['no route table entry at all', { context: 'x', apiServerIps: ['192.168.56.10'], routes: [] }, null],
  ['a remote cluster by name and address', { context: 'gke_proj_zone_name', apiServerIps: ['34.1.2.3'], routes: LAPTOP }, null],
];

describe('engine: local cluster detection', () => {
  for (const [name, given, reason] of CASES) {
    it(`${name} -> ${reason ?? 'not local'}`, () => {
      expect(localClusterReason({ routes: [], ...given })).to.equal(reason);
    });
  }
});
