import { expect } from 'chai';
import { hostEntries, resolverSettings, sidecarNetworkFlags } from '../../../methods/container/pod-network.js';

const KUBELET_HOSTS = `# Kubernetes-managed hosts file.
127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
fe00::0\tip6-mcastprefix
fe00::1\tip6-allnodes
fe00::2\tip6-allrouters
10.244.0.7\techo-5d8f-abcde

# Entries added by HostAliases.
10.1.2.3\tfoo.local\tbar.local
192.168.9.9 legacy-db # a comment
`;

describe('container method: the pod network identity of the sidecar', () => {
  it('keeps the HostAliases and other entries, not loopback, the IPv6 specials or the pod own line', () => {
    expect(hostEntries(KUBELET_HOSTS, 'echo-5d8f-abcde')).to.deep.equal([
      '--add-host', 'foo.local:10.1.2.3', '--add-host', 'bar.local:10.1.2.3', '--add-host', 'legacy-db:192.168.9.9',
    ]);
  });

  const resolvCases: { text: string; search: string[]; options: string[] }[] = [
    { text: 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n', search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] },
    { text: 'nameserver 1.1.1.1\n', search: [], options: [] },
    { text: 'domain a.example\nsearch b.example c.example\noptions ndots:2 timeout:1\noptions attempts:3 # tail\n', search: ['b.example', 'c.example'], options: ['ndots:2', 'timeout:1', 'attempts:3'] },
    { text: '# search nothing\n; options rotate\n', search: [], options: [] },
  ];
  for (const c of resolvCases) {
    it(`reads search ${JSON.stringify(c.search)} and options ${JSON.stringify(c.options)}`, () => {
      expect(resolverSettings(c.text)).to.deep.equal({ search: c.search, options: c.options });
    });
  }

  it('gives the hostname, the session DNS address as the only nameserver, the pod search path and hosts', () => {
    const flags = sidecarNetworkFlags({
      hostname: 'echo-5d8f-abcde\n', hosts: KUBELET_HOSTS,
      resolv: 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    }, '198.18.0.2');
    expect(flags).to.deep.equal([
      '--hostname', 'echo-5d8f-abcde', '--dns', '198.18.0.2',
      '--dns-search', 'default.svc.cluster.local', '--dns-search', 'svc.cluster.local', '--dns-search', 'cluster.local',
      '--dns-option', 'ndots:5',
      '--add-host', 'foo.local:10.1.2.3', '--add-host', 'bar.local:10.1.2.3', '--add-host', 'legacy-db:192.168.9.9',
    ]);
  });

  it('leaves the hostname to docker when the pod gave none', () => {
    expect(sidecarNetworkFlags({ hostname: '', hosts: '', resolv: '' }, '198.18.0.2')).to.deep.equal(['--dns', '198.18.0.2']);
  });
});
