// The workstation's DNS name policy, rule by rule, in Telepresence 2's order.
import { expect } from 'chai';
import { DEFAULT_EXCLUDE_SUFFIXES, dnsDestination, hasNameSuffix, isUnmatchedName } from '../../../src/engine/index.js';
import type { DnsDestination, DnsPolicy } from '../../../src/engine/index.js';

const base: DnsPolicy = {
  clusterDomain: 'cluster.local',
  includeSuffixes: [],
  excludeSuffixes: DEFAULT_EXCLUDE_SUFFIXES,
  excludes: [],
  mappedNamespaces: ['default', 'blue'],
  searchPath: ['default.svc.cluster.local', 'svc.cluster.local'],
};

describe('engine/dns-policy', () => {
  const cases: Array<[string, string, Partial<DnsPolicy>, DnsDestination]> = [
    // 1. WPAD is never asked of the cluster, whatever else matches.
    ['wpad', 'wpad', {}, 'workstation'],
    ['wpad.default', 'wpad.default', {}, 'workstation'],
    ['wpad.default.svc.cluster.local', 'wpad.default.svc.cluster.local', {}, 'workstation'],
    ['wpad. with an include-suffix', 'wpad.corp.internal', { includeSuffixes: ['.internal'] }, 'workstation'],
    ['a name only starting with wpad', 'wpadx.default', {}, 'cluster'],
    // 2. Explicit excludes, also when qualified by a search path entry.
    ['excluded single label', 'db', { excludes: ['db'] }, 'workstation'],
    ['excluded name with search path', 'db.default.svc.cluster.local', { excludes: ['db'] }, 'workstation'],
    ['excluded FQDN', 'db.blue', { excludes: ['db.blue'] }, 'workstation'],
    ['exclude is case-insensitive', 'DB', { excludes: ['db'] }, 'workstation'],
    // 3. Single-label names go to the cluster.
    ['single label', 'echo', {}, 'cluster'],
    ['single label, trailing dot', 'echo.', {}, 'cluster'],
    ['single label that is a TLD-like word', 'com', {}, 'cluster'],
    // 4. Exclude-suffixes, unless an include-suffix at least as long matches too.
    ['exclude-suffix .com', 'example.com', {}, 'workstation'],
    ['exclude-suffix .io', 'ghcr.io', {}, 'workstation'],
    ['exclude-suffix beats a mapped namespace?', 'x.default.com', {}, 'workstation'],
    ['longer include beats exclude', 'api.corp.example.com', { includeSuffixes: ['.example.com'] }, 'cluster'],
    ['equal-length include beats exclude', 'api.com', { includeSuffixes: ['.com'] }, 'cluster'],
    ['shorter include loses', 'x.com', { includeSuffixes: ['.m'] }, 'workstation'],
    ['include that does not match', 'x.example.com', { includeSuffixes: ['.example.org'] }, 'workstation'],
    ['custom exclude-suffix', 'x.corp', { excludeSuffixes: ['.corp'] }, 'workstation'],
    // 5. Search path, mapped namespaces, svc, cluster domain, include-suffixes.
    ['service.namespace (mapped)', 'echo.default', {}, 'cluster'],
    ['service.namespace (other mapped)', 'web.blue', {}, 'cluster'],
    ['service.namespace not mapped', 'web.green', {}, 'workstation'],
    ['namespace suffix on label boundary only', 'web.ablue', {}, 'workstation'],
    ['svc', 'web.green.svc', {}, 'cluster'],
    ['cluster domain', 'web.green.svc.cluster.local', {}, 'cluster'],
    ['other cluster domain', 'web.green.svc.k8s.internal', { clusterDomain: 'k8s.internal.' }, 'cluster'],
    ['search path entry', 'x.default.svc.cluster.local', { clusterDomain: 'other.local' }, 'cluster'],
    ['include-suffix', 'db.corp.internal', { includeSuffixes: ['.corp.internal'] }, 'cluster'],
    ['include-suffix without dot', 'db.corp.internal', { includeSuffixes: ['corp.internal'] }, 'cluster'],
    ['upper case name', 'ECHO.DEFAULT', {}, 'cluster'],
    // 6. Anything else stays with the original resolver.
    ['public name not excluded', 'www.example.dev', {}, 'workstation'],
    ['localhost.localdomain', 'localhost.localdomain', {}, 'workstation'],
  ];
  for (const [name, query, extra, want] of cases) {
    it(`${name}: ${query} -> ${want}`, () => expect(dnsDestination(query, { ...base, ...extra })).to.equal(want));
  }

  describe('hasNameSuffix', () => {
    const cases: Array<[string, string, boolean]> = [
      ['a.b.com', '.com', true], ['a.bcom', '.com', false], ['a.default', 'default', true],
      ['default', 'default', true], ['adefault', 'default', false], ['a.b', '', false], ['a.b', '.', false],
    ];
    for (const [n, s, want] of cases) it(`${n} ~ ${JSON.stringify(s)} -> ${want}`, () => expect(hasNameSuffix(n, s)).to.equal(want));
  });
});

describe('engine/dns-policy: isUnmatchedName (the names --proxy-via asks of the relay first)', () => {
  const cases: Array<[string, Partial<DnsPolicy>, boolean]> = [
    ['mesh-local.test', {}, true], // no rule names it
    ['printer.lan.', {}, true],
    ['example.com', {}, false], // an exclude-suffix keeps it here
    ['wpad.lan', {}, false],
    ['db.lan', { excludes: ['db.lan'] }, false],
    ['echo', {}, false], // cluster-bound
    ['echo.blue', {}, false],
    ['api.corp.internal', { includeSuffixes: ['.internal'] }, false],
  ];
  for (const [name, over, unmatched] of cases) {
    it(`${name}: ${unmatched ? 'unmatched' : 'named by a rule'}`, () => {
      const policy = { ...base, ...over };
      expect(isUnmatchedName(name, policy)).to.equal(unmatched);
      if (unmatched) expect(dnsDestination(name, policy)).to.equal('workstation');
    });
  }
});
