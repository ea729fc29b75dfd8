// --vnat and --proxy-via values: parsing, exact one-line errors, and the checks across requests.
import { expect } from 'chai';
import { UsageError } from '../../../src/errors.js';
import { checkVnatRequests, isDns1123Label, parseProxyViaFlag, parseVnatFlag } from '../../../src/engine/index.js';
import type { VnatRequest } from '../../../src/engine/index.js';
import { thrown } from './helpers.js';

describe('engine/vnat', () => {
  describe('parseVnatFlag', () => {
    const cases: Array<[string, VnatRequest]> = [
      ['service', { target: 'service', via: 'local' }],
      ['pods', { target: 'pods', via: 'local' }],
      ['also', { target: 'also', via: 'local' }],
      ['all', { target: 'all', via: 'local' }],
      ['10.130.5.0/16', { target: '10.130.0.0/16', via: 'local' }],
      ['FD00::1/64', { target: 'fd00::/64', via: 'local' }],
    ];
    for (const [value, want] of cases) it(value, () => expect(parseVnatFlag(value)).to.deep.equal(want));

    const bad: Array<[string, string]> = [
      ['services', '--vnat "services": "services" is neither a CIDR nor one of also, service, pods, all; use e.g. 10.130.0.0/16 or service'],
      ['10.0.0.0/33', '--vnat "10.0.0.0/33": "10.0.0.0/33" is neither a CIDR nor one of also, service, pods, all; use e.g. 10.130.0.0/16 or service'],
      ['10.0.0.1', '--vnat "10.0.0.1": "10.0.0.1" is neither a CIDR nor one of also, service, pods, all; use e.g. 10.130.0.0/16 or service'],
    ];
    for (const [value, msg] of bad) {
      it(`rejects ${value}`, () => expect(thrown(() => parseVnatFlag(value), UsageError)).to.equal(msg));
    }
  });

  describe('parseProxyViaFlag', () => {
    const cases: Array<[string, VnatRequest]> = [
      ['10.130.0.0/16=echo', { target: '10.130.0.0/16', via: 'echo' }],
      ['all=echo-easy', { target: 'all', via: 'echo-easy' }],
      ['service=local', { target: 'service', via: 'local' }],
      ['fd00::/8=web1', { target: 'fd00::/8', via: 'web1' }],
    ];
    for (const [value, want] of cases) it(value, () => expect(parseProxyViaFlag(value)).to.deep.equal(want));

    const label = "(a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)";
    const bad: Array<[string, string]> = [
      ['10.130.0.0/16', '--proxy-via "10.130.0.0/16" is not in the format CIDR=WORKLOAD; use e.g. 10.130.0.0/16=echo or all=echo'],
      ['=echo', '--proxy-via "=echo" is not in the format CIDR=WORKLOAD; use e.g. 10.130.0.0/16=echo or all=echo'],
      ['all=Echo', `--proxy-via "all=Echo": workload "Echo" is not a valid name ${label}`],
      ['all=', `--proxy-via "all=": workload "" is not a valid name ${label}`],
      ['all=-echo', `--proxy-via "all=-echo": workload "-echo" is not a valid name ${label}`],
      ['everything=echo', '--proxy-via "everything=echo": "everything" is neither a CIDR nor one of also, service, pods, all; use e.g. 10.130.0.0/16 or service'],
    ];
    for (const [value, msg] of bad) {
      it(`rejects ${value}`, () => expect(thrown(() => parseProxyViaFlag(value), UsageError)).to.equal(msg));
    }
  });

  describe('isDns1123Label', () => {
    const cases: Array<[string, boolean]> = [
      ['echo', true], ['echo-easy', true], ['a', true], ['0abc', true], ['a'.repeat(63), true],
      ['a'.repeat(64), false], ['Echo', false], ['echo_easy', false], ['echo.easy', false], ['echo-', false], ['', false],
    ];
    for (const [s, want] of cases) it(`${JSON.stringify(s.length > 20 ? `${s.length} chars` : s)} -> ${want}`, () => expect(isDns1123Label(s)).to.equal(want));
  });

  describe('checkVnatRequests', () => {
    const L = (target: string, via = 'local'): VnatRequest => ({ target, via });
    it('expands all into also, pods and service', () => {
      expect(checkVnatRequests([L('10.0.0.0/8'), L('all', 'echo')])).to.deep.equal([
        L('10.0.0.0/8'), L('also', 'echo'), L('pods', 'echo'), L('service', 'echo'),
      ]);
    });
    it('keeps disjoint CIDRs and distinct symbols, canonical', () => {
      expect(checkVnatRequests([L('10.0.0.1/9'), L('10.128.0.0/9'), L('service'), L('pods', 'w')])).to.deep.equal([
        L('10.0.0.0/9'), L('10.128.0.0/9'), L('service'), L('pods', 'w'),
      ]);
    });
    const bad: Array<[VnatRequest[], string]> = [
      [[L('10.0.0.0/8'), L('10.1.0.0/16')], 'CIDRs 10.0.0.0/8 and 10.1.0.0/16 are overlapping'],
      [[L('fd00::/8'), L('fd00::/8', 'x')], 'CIDRs fd00::/8 and fd00::/8 are overlapping'],
      [[L('service'), L('service', 'echo')], 'CIDRs service and service are overlapping'],
      [[L('pods'), L('all')], 'CIDRs pods and all are overlapping'],
      [[L('all'), L('pods')], 'CIDRs pods and pods are overlapping'],
      [[L('all'), L('all')], 'CIDRs service and all are overlapping'],
    ];
    for (const [reqs, msg] of bad) {
      it(msg, () => expect(thrown(() => checkVnatRequests(reqs), UsageError)).to.equal(msg));
    }
  });
});
