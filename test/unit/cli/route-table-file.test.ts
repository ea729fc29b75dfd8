// `plan --route-table FILE`: a missing, unreadable, non-JSON or mis-shaped file is one UsageError
// naming the file and the JSON position or the index of the bad route (exit 2 in-process).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRouteTableFile } from '../../../src/cli/plan-command.js';
import { UsageError } from '../../../src/errors.js';
import { runInProcess } from './run-cli.js';

const OK_ROUTE = { dst: '10.0.0.0/8', dev: 'eth0' };
const NOT_IP = "not what 'ip -j route show table all' prints";

describe('plan --route-table FILE', () => {
  let dir: string;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const messageOf = (path: string): string => {
    try {
      readRouteTableFile(path);
    } catch (err) {
      expect(err).to.be.instanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error(`accepted ${path}`);
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-route-file-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names the JSON position of a syntax error', () => {
    const path = file('broken.json', '[{"dst": "10.0.0.0/8",}]');
    expect(messageOf(path)).to.equal(`argument --route-table: '${path}': ${NOT_IP}: not JSON: Expected double-quoted property name in JSON at position 22`);
    const cut = file('cut.json', '[{"dst": ');
    expect(messageOf(cut)).to.equal(`argument --route-table: '${cut}': ${NOT_IP}: not JSON: Unexpected end of JSON input`);
  });

  it('names the index of the bad route', () => {
    const path = file('bad-entry.json', JSON.stringify([OK_ROUTE, OK_ROUTE, { dev: 'eth1' }]));
    expect(messageOf(path)).to.equal(`argument --route-table: '${path}': ${NOT_IP}: route [2]: route without "dst": {"dev":"eth1"}`);
    const cidr = file('bad-cidr.json', JSON.stringify([OK_ROUTE, { dst: '10.0.0.0/40' }]));
    expect(messageOf(cidr)).to.equal(
      `argument --route-table: '${cidr}': ${NOT_IP}: route [1]: route with a bad "dst" "10.0.0.0/40": invalid CIDR "10.0.0.0/40": the prefix length 40 is larger than 32 (IPv4); write it as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/64`,
    );
    const top = file('object.json', '{"routes": []}');
    expect(messageOf(top)).to.equal(`argument --route-table: '${top}': ${NOT_IP}: expected a JSON array of routes`);
  });

  it('keeps the message one short line for deep or long entries', () => {
    const deep = file('deep.json', `[${'['.repeat(20000)}${']'.repeat(20000)}]`);
    expect(messageOf(deep)).to.equal(`argument --route-table: '${deep}': ${NOT_IP}: route [0]: expected a route object, got [...]`);
    const long = file('long.json', JSON.stringify([{ dst: 'x'.repeat(5000) }]));
    expect(messageOf(long)).to.equal(
      `argument --route-table: '${long}': ${NOT_IP}: route [0]: route with a bad "dst" "${'x'.repeat(119)}...: expected a CIDR, an address or default`,
    );
  });

  it('refuses a missing file, a directory and a file that never ends', () => {
    expect(messageOf(join(dir, 'nope.json'))).to.equal(`argument --route-table: '${join(dir, 'nope.json')}': no such file`);
    expect(messageOf(dir)).to.equal(`argument --route-table: '${dir}': cannot be read (EISDIR)`);
    expect(messageOf('/dev/zero')).to.equal("argument --route-table: '/dev/zero': is larger than 16 MiB");
  });

  it('exits 2 in-process with the one line', async () => {
    const path = file('in-process.json', JSON.stringify([OK_ROUTE, 7]));
    const result = await runInProcess(['plan', '--route-table', path, '--service-subnet', '10.130.0.0/16']);
    expect(result).to.deep.equal({
      code: 2,
      stdout: '',
      stderr: `telepresence: error: argument --route-table: '${path}': ${NOT_IP}: route [1]: expected a route object, got 7\n`,
    });
  });
});
