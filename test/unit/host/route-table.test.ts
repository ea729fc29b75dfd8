// The platform switch of the route table reader.
import { expect } from 'chai';
import { PlatformError } from '../../../src/errors.js';
import { createRouteTable } from '../../../src/host/route-table.js';
import { LinuxRouteTable } from '../../../src/host/route-table-linux.js';

describe('createRouteTable', () => {
  it('reads with ip on Linux', () => {
    expect(createRouteTable('linux')).to.be.instanceOf(LinuxRouteTable);
  });
  for (const platform of ['darwin', 'win32'] as const) {
    it(`says clearly that ${platform} has no reader yet`, () => {
      expect(() => createRouteTable(platform))
        .to.throw(PlatformError)
        .with.property(
          'message',
          `reading the route table is not supported on ${platform} yet (supported: linux); pass a saved table with --route-table FILE`,
        );
    });
  }
  it('reads this machine, the local table included', async () => {
    const routes = await createRouteTable('linux').read();
    const loopback = routes.find((r) => r.dst === '127.0.0.0/8');
    expect(loopback).to.include({ type: 'local', dev: 'lo', table: 'local', src: '127.0.0.1' });
  });
  it('names the command when ip fails', async () => {
    const table = new LinuxRouteTable('/nonexistent/ip');
    let message = '';
    await table.read().catch((err: Error) => (message = err.message));
    expect(message).to.match(/^could not read the route table: '\/nonexistent\/ip (-[46] -j route show table all|-j addr show)' failed: /);
  });
});
