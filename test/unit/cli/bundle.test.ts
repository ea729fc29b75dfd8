// The launcher bundle `npm run build` writes (scripts/bundle.js) and bin/telepresence runs: it exists, finds the
// files beside its modules' original places, and carries none of the code node warns about on stderr.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NARROW_CODE_CACHE, NARROW_ENTRY } from '../../../src/kube/client-node-narrow.js';
import { loadWithCodeCache } from '../../../src/kube/code-cache.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BUNDLE = join(ROOT, 'dist/bundle');

describe('the launcher bundle', () => {
  it('is what bin/telepresence runs, and reads package.json from the root', () => {
    const r = spawnSync(join(ROOT, 'bin/telepresence'), ['--version'], { encoding: 'utf8' });
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect([r.status, r.stdout, r.stderr]).to.deep.equal([0, `${pkg.version}\n`, '']);
    const ps = spawnSync('sh', ['-c', `sed -n 's/^entry="\\(.*\\)"$/\\1/p' ${join(ROOT, 'bin/telepresence')}`], { encoding: 'utf8' });
    expect(ps.stdout.trim()).to.equal('$here/../dist/bundle/entry.js');
  });

  it('keeps each file its own import.meta.url, relative to the bundle', () => {
    const text = readdirSync(BUNDLE).map((f) => readFileSync(join(BUNDLE, f), 'utf8')).join('\n');
    // session/launch.js finds shim/stubs/all three folders up from dist/src/session/.
    for (const file of ['src/session/launch.js', 'src/vif/tun.js', 'src/kube/client-node-narrow.js', 'methods/inject-tcp.js']) {
      expect(text).to.include(`new URL("../${file}",import.meta.url).href`);
    }
  });

  it('leaves client-node, ssh2 and ip6addr (it calls Buffer()) to node', () => {
    const text = readdirSync(BUNDLE).map((f) => readFileSync(join(BUNDLE, f), 'utf8')).join('\n');
    expect(text).to.not.match(/new Buffer\(/);
    for (const pkg of ['@kubernetes/client-node', 'ssh2', 'ip6addr']) expect(text).to.match(new RegExp(`from ?["']${pkg}["']|import\\(["']${pkg}["']\\)|require\\(["']${pkg}["']\\)`), pkg);
  });
});

describe('the narrow client-node bundle', () => {
  it('has a code cache that V8 takes under the launcher\'s flags (bin/telepresence), and loads without it', () => {
    const vendor = join(ROOT, 'dist/vendor/client-node');
    const probe = `import { codeCacheAccepted, loadWithCodeCache } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/src/kube/code-cache.js')).href)};
      const [file, cache] = ${JSON.stringify([join(vendor, NARROW_ENTRY), join(vendor, NARROW_CODE_CACHE)])};
      console.log(codeCacheAccepted(file, cache), typeof loadWithCodeCache(file, '/nonexistent/cache').KubeConfig);`;
    const r = spawnSync(process.execPath, ['--max-semi-space-size=1', '--v8-pool-size=1', '--input-type=module', '-e', probe], { encoding: 'utf8' });
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal('true function\n');
    expect(readFileSync(join(ROOT, 'bin/telepresence'), 'utf8')).to.include('exec node --max-semi-space-size=1 --v8-pool-size=1 ');
  });

  it('exports what the narrow copy exports, and its API clients work from a KubeConfig', async () => {
    const vendor = join(ROOT, 'dist/vendor/client-node');
    const bundled = loadWithCodeCache(join(vendor, NARROW_ENTRY), join(vendor, NARROW_CODE_CACHE)) as Record<string, unknown>;
    const copy = (await import(pathToFileURL(join(vendor, 'dist/index.js')).href)) as Record<string, unknown>;
    expect(Object.keys(bundled).sort()).to.deep.equal(Object.keys(copy).sort());
    // A plain HTTP API server answering one NamespaceList: the request goes through the bundled undici.
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: {}, items: [{ metadata: { name: `seen ${req.url}` } }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      type KubeConfigCtor = new () => { loadFromOptions(o: object): void; makeApiClient(c: unknown): Record<string, unknown> };
      const kc = new (bundled.KubeConfig as KubeConfigCtor)();
      kc.loadFromOptions({ clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
        users: [{ name: 'u', token: 't' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
      const core = kc.makeApiClient(bundled.CoreV1Api) as { listNamespace(): Promise<{ items: { metadata: { name: string } }[] }> };
      const list = await core.listNamespace();
      expect(list.items.map((n) => n.metadata.name)).to.deep.equal(['seen /api/v1/namespaces']);
      expect(list.items[0]).to.be.instanceOf(bundled.V1Namespace as new () => object);
    } finally {
      server.close();
    }
  });
});
