// The throughput bench's report, pure: runs merged over rounds, CPU s/GB over all bytes, the table row and
// the met/NOT met lines of issue 17's three aims.
import { expect } from 'chai';
import { aims, merge, row, type PathRun } from '../../bench/throughput-report.js';

const GB = 2 ** 30;
function run(rates: number[], par: number[], cpu?: PathRun['cpu']): PathRun {
  return { result: { bytes: 100, mbps: rates[0], rates, p50: 2, p99: 9, par: { streams: 8, mbps: par[0], rates: par } }, cpu };
}

describe('bench: throughput report', () => {
  it('merges the downloads of every round (median) and sums CPU over all bytes', () => {
    const m = merge({ runs: [
      run([10, 30], [50], { bulk: { seconds: { launcher: 1, kubectl: 0.5 }, bytes: GB / 2 } }),
      run([20], [70], { bulk: { seconds: { launcher: 2, kubectl: 1 }, bytes: GB } }),
    ] })!;
    expect(m.mbps).to.equal(20);
    expect(m.par).to.equal(60);
    expect(m.cpu).to.deep.equal({ launcher: 2, kubectl: 1 });
    expect(m.cpuTotal).to.equal(3);
    expect(row('vpn-tcp', { runs: [run([10, 30], [50], { bulk: { seconds: { launcher: 1, kubectl: 0.5 }, bytes: GB / 2 } })] }))
      .to.equal('| vpn-tcp | 20.0 | 10.0 / 30.0 | 50.0 | 2.00 | 9.00 | 2.0 | 1.0 | - | - | 3.0 | - |');
  });

  it('says met or NOT met for each aim against the port-forward of the same table', () => {
    const paths = new Map([
      ['port-forward', { runs: [run([100], [200])] }],
      ['vpn-tcp', { runs: [run([95], [199])] }],
      ['inject-tcp', { runs: [run([89], [201])] }],
    ]);
    expect(aims('quiet', paths)).to.deep.equal([
      "aim (quiet): vpn-tcp 95.0 MB/s = 95% of port-forward's 100.0 (aim >= 95%): met",
      "aim (quiet): inject-tcp 89.0 MB/s = 89% of port-forward's 100.0 (aim >= 90%): NOT met",
      "aim (quiet): vpn-tcp with 8 streams 199.0 MB/s = 99% of port-forward's 200.0 with 8 streams (aim >= 100%): NOT met",
      "aim (quiet): inject-tcp with 8 streams 201.0 MB/s = 100% of port-forward's 200.0 with 8 streams (aim >= 100%): met",
    ]);
    expect(aims('CPU hog', new Map())).to.deep.equal(['aims (CPU hog): port-forward not measured, no ratio']);
  });

  it('names a path that failed instead of figures', () => {
    expect(row('inject-tcp', { runs: [], failed: 'failed: boom' })).to.equal('| inject-tcp | failed: boom | | | | | | | | | | |');
  });
});
