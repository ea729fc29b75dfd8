// A kubeconfig that is not YAML or not a kubeconfig: one ClusterError naming the file and the line;
// an empty file reads as an empty config (as kubectl's); relative paths stay relative to the file.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ClusterError } from '../../../src/errors.js';
import { loadKubeconfig } from '../../../src/kube/kubeconfig.js';

describe('kube/kubeconfig errors', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const load = (...files: string[]) => loadKubeconfig({ files, origin: '$KUBECONFIG', singleFile: files.length === 1 });
  const messageOf = async (file: string): Promise<string> => {
    try {
      await load(file);
    } catch (err) {
      expect(err).to.be.instanceOf(ClusterError);
      return (err as Error).message;
    }
    throw new Error(`accepted ${file}`);
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-kubeconfig-errors-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cases: [string, string, string][] = [
    ['unclosed', 'apiVersion: v1\nclusters: [ {', 'not valid YAML: unexpected end of the stream within a flow collection at line 2, column 14'],
    ['alias', 'apiVersion: v1\ncurrent-context: *ctx\n', 'not valid YAML: unidentified alias "ctx" at line 2, column 19'],
    ['scalar', 'hello\n', 'not a kubeconfig: expected a map with the keys apiVersion, kind, clusters, contexts, users'],
    ['list', '- clusters\n', 'not a kubeconfig: expected a map with the keys apiVersion, kind, clusters, contexts, users'],
    ['nameless', 'clusters: [{cluster: {server: "https://x"}}]\n', 'not a kubeconfig: clusters[0].name is missing'],
    ['current', 'current-context: [a]\n', 'not a kubeconfig: current-context: expected a context name, got ["a"]'],
  ];
  for (const [name, text, why] of cases) {
    it(`names the file and what is wrong: ${name}`, async () => {
      const file = write(name, text);
      expect(await messageOf(file)).to.equal(`cannot read the kubeconfig ${file}: ${why}`);
    });
  }

  it('names a file that is a directory or never ends', async () => {
    expect(await messageOf(dir)).to.equal(`cannot read the kubeconfig ${dir}: it cannot be read (EISDIR)`);
    expect(await messageOf('/dev/zero')).to.equal('cannot read the kubeconfig /dev/zero: it is larger than 16 MiB');
  });

  it('reads an empty file as no configuration and keeps paths relative to the file', async () => {
    const empty = write('empty', '# nothing yet\n\n');
    const good = write('good', [
      'apiVersion: v1', 'kind: Config', 'current-context: one',
      'clusters:', '- name: c', '  cluster:', '    server: https://a.example:6443', '    certificate-authority: ca.crt',
      'users:', '- name: u', '  user:', '    token: t',
      'contexts:', '- name: one', '  context:', '    cluster: c', '    user: u',
    ].join('\n'));
    const merged = await load(empty, good);
    expect(merged.getCurrentContext()).to.equal('one');
    expect(merged.getClusters().map((c) => c.caFile)).to.deep.equal([path.join(dir, 'ca.crt')]);
  });
});
