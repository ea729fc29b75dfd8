// The pod program's settings from its environment, as a table.
import { expect } from 'chai';
import { readSettings } from '../../../proxy-pod/src/settings.js';

describe('proxy-pod settings', () => {
  const ok: [Record<string, string>, string, number, number][] = [
    [{}, '0.0.0.0', 9050, 9053],
    [{ TELEPRESENCE_SOCKS_PORT: '19050', TELEPRESENCE_DNS_PORT: '0' }, '0.0.0.0', 19050, 0],
    [{ TELEPRESENCE_LISTEN_HOST: '127.0.0.1', TELEPRESENCE_SOCKS_PORT: '' }, '127.0.0.1', 9050, 9053],
  ];
  for (const [env, host, socks, dns] of ok) {
    it(JSON.stringify(env), () => expect(readSettings(env)).to.deep.equal({ listenHost: host, socksPort: socks, dnsPort: dns }));
  }
  const bad: [Record<string, string>, string][] = [
    [{ TELEPRESENCE_SOCKS_PORT: 'x' }, 'TELEPRESENCE_SOCKS_PORT="x" is not a port: set it to a number from 0 to 65535, or unset it for 9050'],
    [{ TELEPRESENCE_DNS_PORT: '70000' }, 'TELEPRESENCE_DNS_PORT="70000" is not a port: set it to a number from 0 to 65535, or unset it for 9053'],
  ];
  for (const [env, message] of bad) it(`rejects ${JSON.stringify(env)}`, () => expect(() => readSettings(env)).to.throw(message));
});
