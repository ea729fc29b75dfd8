// A kubeconfig that is not YAML or not a kubeconfig: one ConfigError (exit 2) naming the file, the line
// or key and what was expected, as a config file's errors do; an empty file reads as an empty config
// (as kubectl's); relative paths stay relative to the file. A cluster that fails stays a ClusterError.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ClusterError, ConfigError, EXIT_CODES } from '../../../src/errors.js';
import { loadKubeconfig } from '../../../src/kube/kubeconfig.js';
import { resolveClusterTarget } from '../../../src/kube/target.js';
import { runBin } from '../cli/run-cli.js';

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
      expect(err).to.be.instanceOf(ConfigError);
      expect(EXIT_CODES[(err as ConfigError).category]).to.equal(2);
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
    ['current', 'current-context: [a]\n', 'not a kubeconfig: current-context at line 1, column 18: expected a string, got a list'],
    ['tab', 'apiVersion: v1\nclusters:\n\t- name: c\n', 'not valid YAML: tab characters must not be used in indentation at line 3, column 1'],
    ['clusters a number', 'apiVersion: v1\nclusters: 5\n', 'not a kubeconfig: clusters at line 2, column 11: expected a list of entries with a name and a cluster, got the number 5'],
    ['a server list', 'clusters:\n- name: c\n  cluster:\n    server: [https://a]\n', 'not a kubeconfig: clusters[0].cluster.server at line 4, column 13: expected a string, got a list'],
    ['a number for a file', 'clusters:\n- name: c\n  cluster: {server: "https://a", certificate-authority: 5}\n', 'not a kubeconfig: clusters[0].cluster.certificate-authority at line 3, column 57: expected a string, got the number 5'],
    ['a user that is text', 'users:\n- name: u\n  user: admin\n', 'not a kubeconfig: users[0].user at line 3, column 9: expected a map, got the value "admin"'],
    ['a null entry', 'contexts:\n- ~\n', 'not a kubeconfig: contexts[0] at line 2, column 3: expected a map with a name and a context, got the value null'],
    ['a namespace map, through an alias', 'x: &m {a: 1}\ncontexts:\n- name: one\n  context: {cluster: c, namespace: *m}\n', 'not a kubeconfig: contexts[0].context.namespace at line 4, column 36: expected a string, got a map'],
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

  it('reads null as unset and leaves keys it does not know alone, as kubectl does', async () => {
    const file = write('lenient', [
      'apiVersion: v1', 'kind: Config', 'current-context: one', 'preferences: {colors: true}', 'unknown-top: [1]',
      'clusters:', '- name: c', '  cluster:', '    server: https://a.example:6443', '    insecure-skip-tls-verify: yes', '    future-key: {x: 1}',
      'users:', '- name: u', '  user:', '    token: t', '    as-groups: [a, b]',
      'contexts:', '- name: one', '  context: {cluster: c, user: u, namespace: ~}',
    ].join('\n'));
    const merged = await load(file);
    expect(merged.getContexts().map((c) => [c.name, c.namespace])).to.deep.equal([['one', undefined]]);
  });

  /** A kubeconfig of one context `one` (cluster c, user u), with its text edited. */
  const target = async (edit: (text: string) => string, context?: string): Promise<Error> => {
    const text = [
      'apiVersion: v1', 'kind: Config', 'current-context: one',
      'clusters:', '- name: c', '  cluster: {server: "https://127.0.0.1:1"}',
      'users:', '- name: u', '  user: {token: t}',
      'contexts:', '- name: one', '  context: {cluster: c, user: u}', '- name: two', '  context: {cluster: c, user: u}',
    ].join('\n');
    const file = write(`target-${Math.random().toString(36).slice(2)}`, edit(text));
    try {
      await resolveClusterTarget({ kubeconfig: file, context, timeoutMs: 2000 });
    } catch (err) {
      return Object.assign(err as Error, { message: (err as Error).message.replace(file, 'FILE') });
    }
    throw new Error('resolved');
  };

  const contexts: [string, (t: string) => string, string | undefined, typeof ConfigError, string][] = [
    ['no current-context: the contexts there are', (t) => t.replace('current-context: one\n', ''), undefined, ConfigError,
      'no Kubernetes context is selected: the kubeconfig FILE sets no current-context (available contexts: one, two); pass --context NAME or run `kubectl config use-context NAME`'],
    ['a current-context of no context', (t) => t.replace('current-context: one', 'current-context: three'), undefined, ConfigError,
      'the current-context "three" of the kubeconfig FILE is none of its contexts (available contexts: one, two); pass --context NAME or run `kubectl config use-context NAME`'],
    ['a context of no cluster', (t) => t.replace('{cluster: c, user: u}', '{cluster: d, user: u}'), undefined, ConfigError,
      'context "one" names cluster "d", which the kubeconfig FILE does not define'],
    ['a context of no user', (t) => t.replace('{cluster: c, user: u}', '{cluster: c, user: v}'), undefined, ConfigError,
      'context "one" names user "v", which the kubeconfig FILE does not define'],
    ['a server that is no URL', (t) => t.replace('"https://127.0.0.1:1"', 'not-a-url'), undefined, ConfigError,
      'the cluster of context "one" has an invalid server URL "not-a-url": fix it in the kubeconfig'],
  ];
  for (const [what, edit, context, kind, message] of contexts) {
    it(`${what}: a ${kind.name} (exit 2)`, async () => {
      const err = await target(edit, context);
      expect([err.constructor.name, err.message]).to.deep.equal([kind.name, message]);
    });
  }

  it('an unreachable cluster, and a --context the kubeconfig lacks, stay ClusterErrors (exit 255)', async () => {
    const err = await target((t) => t);
    expect([err.constructor.name, EXIT_CODES[(err as ClusterError).category]]).to.deep.equal(['ClusterError', 255]);
    expect(err.message).to.equal('cannot reach the API server at https://127.0.0.1:1 (context "one"): connect ECONNREFUSED 127.0.0.1:1');
    const flag = await target((t) => t, 'three');
    expect([flag.constructor.name, flag.message]).to.deep.equal(['ClusterError', 'context "three" does not exist in the kubeconfig FILE (available contexts: one, two)']);
  });

  it('the command line exits 2 with one line naming the file and the line', async function () {
    this.timeout(20_000);
    const file = write('cli', 'apiVersion: v1\nclusters:\n- name: c\n  cluster: {server: 7}\n');
    const routes = write('routes.json', '[]');
    const result = await runBin(['plan', '--route-table', routes], { KUBECONFIG: file });
    expect(result).to.deep.equal({
      code: 2, stdout: '',
      stderr: `telepresence: error: cannot read the kubeconfig ${file}: not a kubeconfig: clusters[0].cluster.server at line 4, column 21: expected a string, got the number 7`,
    });
  });
});
