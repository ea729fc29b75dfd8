// The pod program's settings from its environment, as a table.
import { expect } from 'chai';
import { readSettings } from '../../../proxy-pod/src/settings.js';

describe('proxy-pod settings', () => {
  const base = { listenHost: '0.0.0.0', socksPort: 9050, dnsPort: 9053, externalNameserver: null, localNames: [] };
  const ok: [Record<string, string>, object][] = [
    [{}, base],
    [{ TELEPRESENCE_SOCKS_PORT: '19050', TELEPRESENCE_DNS_PORT: '0' }, { ...base, socksPort: 19050, dnsPort: 0 }],
    [{ TELEPRESENCE_LISTEN_HOST: '127.0.0.1', TELEPRESENCE_SOCKS_PORT: '' }, { ...base, listenHost: '127.0.0.1' }],
    [{ TELEPRESENCE_NAMESERVER: '8.8.4.4', TELEPRESENCE_LOCAL_NAMES: 'corp.internal, db.lan,' }, { ...base, externalNameserver: '8.8.4.4', localNames: ['corp.internal', 'db.lan'] }],
  ];
  for (const [env, settings] of ok) it(JSON.stringify(env), () => expect(readSettings(env)).to.deep.equal(settings));
  const bad: [Record<string, string>, string][] = [
    [{ TELEPRESENCE_SOCKS_PORT: 'x' }, 'TELEPRESENCE_SOCKS_PORT="x" is not a port: set it to a number from 0 to 65535, or unset it for 9050'],
    [{ TELEPRESENCE_DNS_PORT: '70000' }, 'TELEPRESENCE_DNS_PORT="70000" is not a port: set it to a number from 0 to 65535, or unset it for 9053'],
    [{ TELEPRESENCE_NAMESERVER: 'dns.google' }, 'TELEPRESENCE_NAMESERVER="dns.google" is not an IPv4 address: give the nameserver\'s address, or unset it'],
  ];
  for (const [env, message] of bad) it(`rejects ${JSON.stringify(env)}`, () => expect(() => readSettings(env)).to.throw(message));
});
