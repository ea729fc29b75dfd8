// The host resolver's pure parts: the overridden resolv.conf text, reading nameservers and search
// suffixes, and the resolvectl calls for systemd-resolved (which this machine cannot run; running
// them through the host runner is tested in test/unit/host/adapters.test.ts).
import { expect } from 'chai';
import { resolvConfNameservers, resolvConfSearch } from '../../../src/dns/index.js';
import { overriddenResolvConf, MARKER } from '../../../src/host/resolver-resolvconf.js';
import { resolvedCommands } from '../../../src/host/resolver-resolved.js';

const NOTE = '# (the original is saved in /state.json; `telepresence` restores it)';

describe('host resolver files', () => {
  const overrides: { title: string; original: string; expected: string }[] = [
    {
      title: 'nameservers replaced in place, search and options kept',
      original: '# from DHCP\nsearch corp.example.com lab.example.com\nnameserver 10.0.0.2\nnameserver 10.0.0.3\noptions ndots:2 timeout:1\n',
      expected: `# from DHCP\nsearch corp.example.com lab.example.com\n${MARKER}\n${NOTE}\nnameserver 10.240.0.53\noptions ndots:2 timeout:1\n`,
    },
    {
      title: 'no nameserver line: ours is appended',
      original: 'search corp.example.com\n',
      expected: `search corp.example.com\n${MARKER}\n${NOTE}\nnameserver 10.240.0.53\n`,
    },
    { title: 'an empty file', original: '', expected: `${MARKER}\n${NOTE}\nnameserver 10.240.0.53\n` },
    {
      title: 'indented nameserver lines and no final newline',
      original: '  nameserver 127.0.0.53\noptions edns0 trust-ad',
      expected: `${MARKER}\n${NOTE}\nnameserver 10.240.0.53\noptions edns0 trust-ad\n`,
    },
  ];
  for (const c of overrides) {
    it(`override: ${c.title}`, () => {
      expect(overriddenResolvConf(c.original, '10.240.0.53', '/state.json')).to.equal(c.expected);
    });
  }

  const parsed: [string, string[], string[]][] = [
    ['nameserver 10.0.0.2\nnameserver fe80::1%eth0\nnameserver bogus\nsearch a.example b.example\n', ['10.0.0.2', 'fe80::1%eth0'], ['a.example', 'b.example']],
    ['domain old.example\nsearch new.example\n', [], ['new.example']],
    ['search first.example\ndomain last.example\n# nameserver 1.1.1.1\n', [], ['last.example']],
    ['search .\n', [], []],
  ];
  for (const [text, servers, search] of parsed) {
    it(`reads ${JSON.stringify(text)}`, () => {
      expect(resolvConfNameservers(text)).to.deep.equal(servers.map((host) => ({ host, port: 53 })));
      expect(resolvConfSearch(text)).to.deep.equal(search);
    });
  }

  it('systemd-resolved: the link gets our server (with port), routing domains, search domains, no default route', () => {
    expect(
      resolvedCommands({ link: 'tel0', address: '10.240.0.53', port: 53, routingDomains: ['cluster.local', 'svc', '.ns'], searchDomains: ['ns.svc.cluster.local'] }),
    ).to.deep.equal([
      ['dns', 'tel0', '10.240.0.53:53'],
      ['domain', 'tel0', '~cluster.local', '~svc', '~ns', 'ns.svc.cluster.local'],
      ['default-route', 'tel0', 'false'],
      ['llmnr', 'tel0', 'no'],
      ['mdns', 'tel0', 'no'],
      ['dnssec', 'tel0', 'no'],
      ['flush-caches'],
    ]);
    expect(resolvedCommands({ link: 'tel0', address: 'fd00::53', port: 5353, routingDomains: [], searchDomains: [] })[0]).to.deep.equal([
      'dns', 'tel0', '[fd00::53]:5353',
    ]);
  });
});
