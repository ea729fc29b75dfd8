// The parser of `ip -j route show table all`, over tables captured from real iproute2 output.
import { expect } from 'chai';
import type { HostRoute } from '../../../src/engine/types.js';
import { parseIpRouteJson, RouteJsonError } from '../../../src/host/ip-route-json.js';
import { HOST_ALL, STAGED_V4, STAGED_V6 } from './ip-route-samples.js';

type Row = [dst: string, type: string, dev: string | null, gateway: string | null, src: string | null, table: string, metric: number | null, isDefault: boolean];
const row = (r: HostRoute): Row => [r.dst, r.type, r.dev, r.gateway, r.src, r.table, r.metric, r.isDefault];

describe('parseIpRouteJson', () => {
  it('reads the host table with both families, defaults by family, host routes as /32 and /128', () => {
    expect(parseIpRouteJson(HOST_ALL).map(row)).to.deep.equal([
      ['0.0.0.0/0', 'unicast', 'eth0', '192.0.2.1', null, 'main', null, true],
      ['192.0.2.0/24', 'unicast', 'eth0', null, '192.0.2.2', 'main', null, false],
      ['127.0.0.0/8', 'local', 'lo', null, '127.0.0.1', 'local', null, false],
      ['127.0.0.1/32', 'local', 'lo', null, '127.0.0.1', 'local', null, false],
      ['127.255.255.255/32', 'broadcast', 'lo', null, '127.0.0.1', 'local', null, false],
      ['192.0.2.2/32', 'local', 'eth0', null, '192.0.2.2', 'local', null, false],
      ['192.0.2.255/32', 'broadcast', 'eth0', null, '192.0.2.2', 'local', null, false],
      ['fd00::/64', 'unicast', 'eth0', null, null, 'main', 256, false],
      ['fe80::/64', 'unicast', 'eth0', null, null, 'main', 256, false],
      ['::/0', 'unicast', 'eth0', 'fd00::1', null, 'main', 1024, true],
      ['::1/128', 'local', 'lo', null, null, 'local', 0, false],
      ['fd00::2/128', 'local', 'eth0', null, null, 'local', 0, false],
      ['fe80::fc:ff:fe00:1/128', 'local', 'eth0', null, null, 'local', 0, false],
      ['ff00::/8', 'multicast', 'eth0', null, null, 'local', 256, false],
    ]);
  });

  it('reads policy tables, /1 routes, multipath and routes that carry no traffic (IPv4)', () => {
    expect(parseIpRouteJson(STAGED_V4, 4).map(row)).to.deep.equal([
      ['0.0.0.0/0', 'unicast', 'd0', null, null, '52', null, true],
      ['10.80.0.0/16', 'throw', null, null, null, '52', null, false],
      ['0.0.0.0/1', 'unicast', 'd0', '10.9.0.5', null, 'main', null, false],
      ['10.9.0.0/16', 'unicast', 'd0', null, '10.9.0.1', 'main', null, false],
      ['10.50.0.0/16', 'unreachable', null, null, null, 'main', 9999, false],
      ['10.51.0.0/16', 'blackhole', null, null, null, 'main', null, false],
      ['10.52.0.0/16', 'prohibit', null, null, null, 'main', null, false],
      ['10.60.0.0/16', 'unicast', 'd0', '10.9.0.5', null, 'main', null, false],
      ['10.70.0.5/32', 'unicast', 'd0', null, null, 'main', null, false],
      ['10.9.0.1/32', 'local', 'd0', null, '10.9.0.1', 'local', null, false],
    ]);
  });

  it('gives IPv6 defaults without a gateway the right family, by hint or by the pref key', () => {
    const expected: Row[] = [
      ['::/0', 'unicast', 'd0', null, null, '52', 1024, true],
      ['fd12::/64', 'unicast', 'd0', null, null, 'main', 256, false],
      // The kernel reports `dev lo` on an IPv6 unreachable route; it carries no traffic.
      ['fd99::/48', 'unreachable', null, null, null, 'main', 1024, false],
      ['fd12::1/128', 'local', 'd0', null, null, 'local', 0, false],
    ];
    expect(parseIpRouteJson(STAGED_V6, 6).map(row)).to.deep.equal(expected);
    expect(parseIpRouteJson(STAGED_V6).map(row)).to.deep.equal(expected);
  });

  it('canonicalises destinations and reads a gateway of the other family from "via"', () => {
    const text = JSON.stringify([
      { dst: '10.1.2.3/8', dev: 'x' },
      { dst: 'FD00:0:0::/48', dev: 'x' },
      { dst: '10.2.0.0/16', dev: 'x', via: { family: 'inet6', host: 'fe80::1' } },
    ]);
    expect(parseIpRouteJson(text).map((r) => [r.dst, r.gateway])).to.deep.equal([
      ['10.0.0.0/8', null],
      ['fd00::/48', null],
      ['10.2.0.0/16', 'fe80::1'],
    ]);
  });

  const bad: [string, string][] = [
    ['', 'not JSON: Unexpected end of JSON input'],
    // V8 quotes the text around the error, line breaks and all: they are written as \n.
    ['[\n1,\nfoo\n]', 'not JSON: Unexpected token \'o\', "[\\n1,\\nfoo\\n]" is not valid JSON'],
    ['[{"dst":"10.0.0.0/8"}, 7]', 'expected a route object, got 7'],
    ['{"dst":"default"}', 'expected a JSON array of routes'],
    ['[42]', 'expected a route object, got 42'],
    ['[{"dev":"eth0"}]', 'route without "dst": {"dev":"eth0"}'],
    [
      '[{"dst":"10.0.0.0/33","dev":"eth0"}]',
      'route with a bad "dst" "10.0.0.0/33": invalid CIDR "10.0.0.0/33": the prefix length 33 is larger than 32 (IPv4); write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64',
    ],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      expect(() => parseIpRouteJson(text)).to.throw(RouteJsonError, message).with.property('message', message);
    });
  }
});
