// The declarative verbs through the real kubectl against an API server of its own: apply (created,
// unchanged, configured with the last-applied annotation and a 3-way strategic merge patch), apply
// --server-side refused as by a server without it, kind: List and multi-document files with
// validation on (kubectl's client-side check of a List, the server's strict field check otherwise).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { startTestApiServer, type TestApiServer } from '../../cluster/apiserver/testing.js';

const ns = 'apply';

function deployment(version: 1 | 2): string {
  const main = version === 1
    ? `  - name: main
        image: telepresence-test/echo:dev
        ports: [{containerPort: 8080, name: http}, {containerPort: 9090, name: metrics}]
        env: [{name: A, value: "1"}, {name: B, value: "2"}, {name: C, value: "3"}]`
    : `  - name: main
        image: telepresence-test/echo:v2
        ports: [{containerPort: 8080, name: http}, {containerPort: 7070, name: admin}]
        env: [{name: A, value: "1"}, {name: Z, value: "26"}, {name: C, value: "30"}]`;
  const side = `  - name: side
        image: telepresence-test/tools:dev
        command: [sleep, "${version === 1 ? 'infinity' : '100'}"]`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
  labels: {app: web${version === 1 ? ', tier: a' : ''}}
spec:
  replicas: ${version === 1 ? 2 : 3}
  strategy: ${version === 1 ? '{type: RollingUpdate, rollingUpdate: {maxSurge: 1}}' : '{type: Recreate}'}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
    ${version === 1 ? `${main}\n    ${side}` : `${side}\n    ${main}`}
`;
}

const configMap = (name: string, extra = '') => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: ${ns}}
data: {greeting: hello}
${extra}`;

describe('kubectl apply, List and multi-document manifests', function () {
  this.timeout(60_000);
  let api: TestApiServer;
  const file = (name: string, text: string) => {
    const path = join(api.stateDir, name);
    writeFileSync(path, text);
    return path;
  };
  const k = (...args: string[]) => api.kubectl(...args);

  before(async () => {
    api = await startTestApiServer();
    expect((await k('create', 'namespace', ns)).stdout).to.equal(`namespace/${ns} created`);
  });
  after(async () => api?.stopAll());

  it('says created, then unchanged, then configured after an edit, merging containers, env and ports by their keys', async () => {
    const v1 = file('web-v1.yaml', deployment(1));
    expect(await k('apply', '-f', v1)).to.include({ exitCode: 0, stdout: 'deployment.apps/web created' });
    const applied = JSON.parse((await k('-n', ns, 'get', 'deploy', 'web', '-o', 'jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}')).stdout);
    expect(applied.spec.template.spec.containers.map((c: { name: string }) => c.name)).to.deep.equal(['main', 'side']);
    expect(await k('apply', '-f', v1)).to.include({ exitCode: 0, stdout: 'deployment.apps/web unchanged' });
    expect(await k('apply', '-f', file('web-v2.yaml', deployment(2)))).to.include({ exitCode: 0, stdout: 'deployment.apps/web configured' });
    const got = JSON.parse((await k('-n', ns, 'get', 'deploy', 'web', '-o', 'json')).stdout);
    expect(got.metadata.labels).to.deep.equal({ app: 'web' });
    expect([got.spec.replicas, got.spec.strategy]).to.deep.equal([3, { type: 'Recreate' }]);
    const summary = got.spec.template.spec.containers.map((c: { name: string; image: string; command?: string[]; ports?: { containerPort: number }[]; env?: { name: string; value: string }[] }) =>
      `${c.name} ${c.image} ${(c.command ?? []).join(' ')} ${(c.ports ?? []).map((p) => p.containerPort).join(',')} ${(c.env ?? []).map((e) => `${e.name}=${e.value}`).join(',')}`);
    expect(summary).to.deep.equal([
      'side telepresence-test/tools:dev sleep 100  ',
      'main telepresence-test/echo:v2  8080,7070 A=1,Z=26,C=30',
    ]);
    expect(await k('apply', '-f', join(api.stateDir, 'web-v2.yaml'))).to.include({ exitCode: 0, stdout: 'deployment.apps/web unchanged' });
  });

  it('refuses --server-side the way a server without server-side apply does', async () => {
    const r = await k('apply', '--server-side', '-f', file('ssa.yaml', configMap('ssa')));
    expect(r.exitCode).to.equal(1);
    expect(r.stderr).to.equal('error: Server-side apply not available on the server: (the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json)');
  });

  it('applies and creates a kind: List with validation on, and names a typo in an item as kubectl does', async () => {
    const items = [configMap('listed-a'), configMap('listed-b')].map((doc) => doc.split('\n').filter(Boolean).map((l, i) => `${i === 0 ? '- ' : '  '}${l}`).join('\n'));
    const list = file('list.yaml', `apiVersion: v1\nkind: List\nitems:\n${items.join('\n')}\n`);
    expect(await k('apply', '-f', list, '--validate=strict')).to.include({ exitCode: 0, stdout: 'configmap/listed-a created\nconfigmap/listed-b created' });
    expect(await k('apply', '-f', list)).to.include({ exitCode: 0, stdout: 'configmap/listed-a unchanged\nconfigmap/listed-b unchanged' });
    expect((await k('create', '-f', list)).stderr).to.equal([
      'Error from server (AlreadyExists): error when creating "' + list + '": configmaps "listed-a" already exists',
      'Error from server (AlreadyExists): error when creating "' + list + '": configmaps "listed-b" already exists',
    ].join('\n'));
    const bad = file('list-bad.yaml', `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: listed-c, namespace: ${ns}}\n  dta: {a: b}\n`);
    const r = await k('create', '-f', bad);
    expect(r.exitCode).to.equal(1);
    expect(r.stderr).to.equal(`error: error validating "${bad}": error validating data: ValidationError(ConfigMap): unknown field "dta" in io.k8s.api.core.v1.ConfigMap; if you choose to ignore these errors, turn validation off with --validate=false`);
    expect((await k('-n', ns, 'get', 'configmap', 'listed-c')).exitCode).to.equal(1);
  });

  it('applies and creates a multi-document file; the server refuses unknown fields under Strict and warns under Warn', async () => {
    const multi = file('multi.yaml', `---\n${configMap('doc-a')}---\n${configMap('doc-b')}`);
    expect(await k('create', '-f', multi)).to.include({ exitCode: 0, stdout: 'configmap/doc-a created\nconfigmap/doc-b created' });
    expect(await k('apply', '-f', multi)).to.include({ exitCode: 0, stdout: 'configmap/doc-a configured\nconfigmap/doc-b configured' });
    expect(await k('apply', '-f', multi)).to.include({ exitCode: 0, stdout: 'configmap/doc-a unchanged\nconfigmap/doc-b unchanged' });
    const typo = deployment(1).replace('name: web\n', 'name: typo\n').replace('replicas:', 'replica:').replace('image: telepresence-test/tools:dev', 'imagee: telepresence-test/tools:dev');
    const bad = file('multi-bad.yaml', `${configMap('doc-c', 'bogus: 1\n')}---\n${typo}`);
    const r = await k('apply', '-f', bad);
    expect(r.exitCode).to.equal(1);
    expect(r.stderr).to.equal([
      `Error from server (BadRequest): error when creating "${bad}": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"`,
      `Error from server (BadRequest): error when creating "${bad}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica", unknown field "spec.template.spec.containers[1].imagee"`,
    ].join('\n'));
    const patched = await k('apply', '-f', file('web-typo.yaml', deployment(2).replace('replicas:', 'replica:')));
    expect(patched.exitCode).to.equal(1);
    // An Invalid Status without kind or name: kubectl says "The request is invalid" and quotes the patch.
    expect(patched.stderr).to.match(/^The request is invalid: patch: Invalid value: "map\[metadata:map\[annotations:.* spec:map\[replica:3 .*\]": strict decoding error: unknown field "spec.replica"$/);
    const warned = await k('create', '-f', file('warn.yaml', configMap('doc-d', 'bogus: 1\n')), '--validate=warn');
    expect(warned).to.include({ exitCode: 0, stdout: 'configmap/doc-d created', stderr: 'Warning: unknown field "bogus"' });
  });
});
