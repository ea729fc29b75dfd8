// translateEnvironment: IP literals inside values are swapped, everything else is kept.
import { expect } from 'chai';
import { translateEnvironment, translateIpLiterals, VirtualIpAllocator, covers } from '../../../src/engine/index.js';

describe('engine/environment', () => {
  it("routing.md's example: 10.110.210.0/24 VNAT'd into 100.156.200.0/24", () => {
    const vips = new VirtualIpAllocator('100.156.200.0/24');
    const translate = (ip: string): string | undefined =>
      covers('10.110.210.0/24', ip) ? vips.translate(ip) : undefined;
    const env = {
      ECHO_PORT: 'tcp://10.110.210.159:80',
      ECHO_SERVICE_HOST: '10.110.210.159',
      OTHER: '2.10.110.210.8',
      OUTSIDE: '10.111.0.1',
      PLAIN: 'hello',
    };
    const out = translateEnvironment(env, translate);
    expect(out).to.deep.equal({
      ECHO_PORT: 'tcp://100.156.200.1:80',
      ECHO_SERVICE_HOST: '100.156.200.1',
      OTHER: '2.10.110.210.8',
      OUTSIDE: '10.111.0.1',
      PLAIN: 'hello',
    });
    expect(env.ECHO_PORT).to.equal('tcp://10.110.210.159:80'); // the input is not modified
  });

  describe('translateIpLiterals', () => {
    const map: Record<string, string> = {
      '10.1.2.3': '246.246.0.1', '10.1.2.4': '246.246.0.2', 'fd00::1': 'fd99::1', '10.0.0.1': '246.246.0.9',
    };
    const t = (ip: string): string | undefined => map[ip];
    const cases: Array<[string, string]> = [
      ['10.1.2.3', '246.246.0.1'],
      ['tcp://10.1.2.3:80', 'tcp://246.246.0.1:80'],
      ['http://10.1.2.3:8080/path?x=10.1.2.4', 'http://246.246.0.1:8080/path?x=246.246.0.2'],
      ['10.1.2.3,10.1.2.4', '246.246.0.1,246.246.0.2'],
      ['10.1.2.3 10.1.2.4', '246.246.0.1 246.246.0.2'],
      ['udp:10.1.2.3', 'udp:246.246.0.1'],
      ['user@10.1.2.3', 'user@246.246.0.1'],
      ['end of sentence 10.1.2.3.', 'end of sentence 246.246.0.1.'],
      ['2.10.1.2.3', '2.10.1.2.3'],
      ['10.1.2.3.4', '10.1.2.3.4'],
      ['host10.1.2.3', 'host10.1.2.3'],
      ['10.1.2.3a', '10.1.2.3a'],
      ['110.1.2.3', '110.1.2.3'],
      ['010.1.2.3', '010.1.2.3'],
      ['999.1.2.3', '999.1.2.3'],
      ['10.1.2.5', '10.1.2.5'],
      ['fd00::1', 'fd99::1'],
      ['FD00:0::1', 'fd99::1'],
      ['tcp://[fd00::1]:443', 'tcp://[fd99::1]:443'],
      ['fd00::1,10.1.2.3', 'fd99::1,246.246.0.1'],
      ['::ffff:10.1.2.3', '246.246.0.1'],
      ['12:30:45', '12:30:45'],
      ['aa:bb:cc:dd:ee:ff', 'aa:bb:cc:dd:ee:ff'],
      ['fd00::2', 'fd00::2'],
      ['', ''],
    ];
    for (const [value, want] of cases) {
      it(`${JSON.stringify(value)} -> ${JSON.stringify(want)}`, () => expect(translateIpLiterals(value, t)).to.equal(want));
    }
  });
});
