// The aim lines every bench prints and `npm run bench` gathers, and the machine header it prints first.
import { expect } from 'chai';
import { aimLine, aimLines } from '../../bench/aims.js';
import { machineHeader } from '../../bench/all.js';

describe('bench aims', () => {
  it('writes met and NOT met lines and finds them again in a bench text', () => {
    const met = aimLine('scale vpn-tcp: 0 failures at 1000 connections', true, '0 failures');
    const missed = aimLine('scale vpn-tcp: launcher RSS idle under 80 MB', false, '97.4 MB');
    expect(met).to.equal('aim scale vpn-tcp: 0 failures at 1000 connections: met (0 failures)');
    expect(missed).to.equal('aim scale vpn-tcp: launcher RSS idle under 80 MB: NOT met (97.4 MB)');
    expect(aimLines(`| table | row |\n${met}\naim without a verdict\n${missed}\n`)).to.deep.equal([met, missed]);
  });

  it('names the machine: cores, model, RAM, kernel, node, load and date', () => {
    const h = machineHeader(new Date('2026-12-02T06:00:00Z'));
    expect(h).to.match(/^machine: \d+ cores \(.+\), \d+\.\d GiB RAM, kernel \S+, node v\d+\.\d+\.\d+\nload at start \(1\/5\/15 min\): [\d.]+ [\d.]+ [\d.]+; 2026-12-02T06:00:00\.000Z/);
  });
});
