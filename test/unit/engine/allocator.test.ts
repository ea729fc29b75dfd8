// VirtualIpAllocator: sequential from the first host address, stable, exhausted with TP2's text.
import { expect } from 'chai';
import { ConflictError, UsageError } from '../../../src/errors.js';
import { VirtualIpAllocator } from '../../../src/engine/index.js';
import { thrown } from './helpers.js';

describe('engine/allocator', () => {
  it('allocates 246.246.0.1, .2, ... and keeps each cluster IP on its virtual IP', () => {
    const a = new VirtualIpAllocator('246.246.0.0/16');
    expect(a.translate('10.130.0.10')).to.equal('246.246.0.1');
    expect(a.translate('10.132.4.5')).to.equal('246.246.0.2');
    expect(a.translate('10.130.0.10')).to.equal('246.246.0.1');
    expect(a.translate('fd00::10')).to.equal('246.246.0.3');
    expect(a.translate('FD00:0::10')).to.equal('246.246.0.3');
    expect(a.clusterIpOf('246.246.0.2')).to.equal('10.132.4.5');
    expect(a.clusterIpOf('246.246.0.9')).to.equal(undefined);
    expect(a.lookup('10.1.1.1')).to.equal(undefined);
    expect(a.entries()).to.deep.equal([
      ['10.130.0.10', '246.246.0.1'], ['10.132.4.5', '246.246.0.2'], ['fd00::10', '246.246.0.3'],
    ]);
  });

  it('crosses byte boundaries (x.x.0.255 -> x.x.1.0)', () => {
    const a = new VirtualIpAllocator('100.64.0.0/16');
    let last = '';
    for (let i = 1; i <= 256; i++) last = a.translate(`10.0.${i >> 8}.${i & 255}`);
    expect(last).to.equal('100.64.1.0');
  });

  it('canonicalizes its subnet', () => {
    expect(new VirtualIpAllocator('100.156.200.77/24').subnet).to.equal('100.156.200.0/24');
  });

  it('is exhausted after the last host address of an IPv4 /30 (no broadcast address)', () => {
    const a = new VirtualIpAllocator('211.55.48.0/30');
    expect([a.translate('10.0.0.1'), a.translate('10.0.0.2')]).to.deep.equal(['211.55.48.1', '211.55.48.2']);
    expect(thrown(() => a.translate('10.0.0.3'), ConflictError)).to.equal('virtual subnet CIDR 211.55.48.0/30 is exhausted');
    // Known IPs still translate after exhaustion.
    expect(a.translate('10.0.0.2')).to.equal('211.55.48.2');
  });

  it('allocates IPv6 virtual IPs up to the last address', () => {
    const a = new VirtualIpAllocator('fd99::/126');
    expect(['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip) => a.translate(ip))).to.deep.equal(['fd99::1', 'fd99::2', 'fd99::3']);
    expect(thrown(() => a.translate('10.0.0.4'), ConflictError)).to.equal('virtual subnet CIDR fd99::/126 is exhausted');
  });

  it('rejects a bad subnet and a bad cluster IP', () => {
    expect(thrown(() => new VirtualIpAllocator('246.246.0.0/40'), UsageError)).to.match(/^invalid CIDR "246.246.0.0\/40"/);
    expect(thrown(() => new VirtualIpAllocator('246.246.0.0/16').translate('10.1'), UsageError)).to.equal(
      'invalid IP address "10.1": an IPv4 address has four decimal fields, as 10.0.0.1; write it as 10.0.0.1 or fd00::1',
    );
  });
});
