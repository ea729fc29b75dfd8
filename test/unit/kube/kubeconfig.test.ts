// Which kubeconfig files are read (flag, $KUBECONFIG, ~/.kube/config) and how they merge (kubectl's
// rule: the first file to define a name or a current-context wins).
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ConfigError, UsageError } from '../../../src/errors.js';
import { kubeconfigFiles, loadKubeconfig } from '../../../src/kube/kubeconfig.js';

function kubeconfig(current: string | undefined, contexts: Array<[string, string]>, server: string): string {
  return [
    'apiVersion: v1', 'kind: Config', ...(current ? [`current-context: ${current}`] : []),
    'clusters:', '- name: c', '  cluster:', `    server: ${server}`,
    'users:', '- name: u', '  user:', '    token: t',
    'contexts:', ...contexts.flatMap(([name, ns]) => [`- name: ${name}`, '  context:', '    cluster: c', '    user: u', `    namespace: ${ns}`]),
  ].join('\n') + '\n';
}

describe('kube/kubeconfig', () => {
  let dir: string;
  let a: string;
  let b: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-kubeconfig-'));
    a = path.join(dir, 'a');
    b = path.join(dir, 'b');
    fs.writeFileSync(a, kubeconfig(undefined, [['one', 'ns-a']], 'https://a.example:6443'));
    fs.writeFileSync(b, kubeconfig('two', [['one', 'ns-b'], ['two', 'ns-two']], 'https://b.example:6443'));
    fs.mkdirSync(path.join(dir, 'home', '.kube'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'home', '.kube', 'config'), kubeconfig('one', [['one', 'x']], 'https://h.example'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('chooses the files as kubectl does', () => {
    const home = path.join(dir, 'home');
    const dflt = path.join(home, '.kube', 'config');
    const cases: Array<[string, string | undefined, NodeJS.ProcessEnv, string, object]> = [
      ['the flag, whatever $KUBECONFIG says', a, { KUBECONFIG: b }, home, { files: [a], origin: '--kubeconfig', singleFile: true }],
      ['$KUBECONFIG, missing files skipped, duplicates once', undefined, { KUBECONFIG: `${a}:/nope:${b}:${a}` }, home, { files: [a, b], origin: '$KUBECONFIG', singleFile: false }],
      ['$KUBECONFIG with one file left', undefined, { KUBECONFIG: `/nope:${b}` }, home, { files: [b], origin: '$KUBECONFIG', singleFile: true }],
      ['~/.kube/config', undefined, {}, home, { files: [dflt], origin: '~/.kube/config', singleFile: true }],
      ['empty $KUBECONFIG counts as unset', undefined, { KUBECONFIG: '' }, home, { files: [dflt], origin: '~/.kube/config', singleFile: true }],
      ['nothing at all', undefined, {}, path.join(dir, 'nohome'), { files: [], origin: '~/.kube/config', singleFile: true }],
    ];
    for (const [name, flag, env, h, want] of cases) expect(kubeconfigFiles(flag, env, h), name).to.deep.equal(want);
  });

  it('refuses a --kubeconfig file that does not exist: a usage error (exit 2)', () => {
    expect(() => kubeconfigFiles('/nope/config', {})).to.throw(UsageError, 'the kubeconfig file /nope/config given with --kubeconfig does not exist');
  });

  it('merges: first definition and first current-context win', async () => {
    const ab = await loadKubeconfig({ files: [a, b], origin: '$KUBECONFIG', singleFile: false });
    expect(ab.getCurrentContext()).to.equal('two');
    expect(ab.getContexts().map((c) => `${c.name}:${c.namespace}`)).to.deep.equal(['one:ns-a', 'two:ns-two']);
    expect(ab.getClusters().map((c) => c.server)).to.deep.equal(['https://a.example:6443']);
    const ba = await loadKubeconfig({ files: [b, a], origin: '$KUBECONFIG', singleFile: false });
    expect(ba.getContexts().map((c) => `${c.name}:${c.namespace}`)).to.deep.equal(['one:ns-b', 'two:ns-two']);
    const none = await loadKubeconfig({ files: [], origin: '~/.kube/config', singleFile: true });
    expect([none.getCurrentContext(), none.getContexts()]).to.deep.equal(['', []]);
  });

  it('names a file it cannot parse: a config error (exit 2), not a cluster error', async () => {
    const bad = path.join(dir, 'bad');
    fs.writeFileSync(bad, 'clusters: [ {');
    let err: unknown;
    try {
      await loadKubeconfig({ files: [bad], origin: '--kubeconfig', singleFile: true });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).category).to.equal('config');
    expect((err as Error).message).to.equal(`cannot read the kubeconfig ${bad}: not valid YAML: unexpected end of the stream within a flow collection at line 1, column 14`);
  });
});
