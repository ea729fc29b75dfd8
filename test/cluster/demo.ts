// `npm run demo`: starts the local test cluster if needed, builds the proxy image, deploys an echo
// Service in namespace `demo`, and runs a real telepresence session against it. Extra arguments go
// to telepresence instead of the default `--run curl http://echo:8080/` (e.g. `-- --run-shell`).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function step(what: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  process.stderr.write(`demo: ${what}\n`);
  const r = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(`demo: ${what} failed (exit ${r.status}): ${r.stdout}\n`);
    process.exit(1);
  }
  return r.stdout;
}

const kubeconfig = step('starting the local test cluster (npm run cluster -- up)', process.execPath,
  [path.join(ROOT, 'dist/test/cluster/cli.js'), 'up']).trim().split('\n').pop()!;
const env = { ...process.env, KUBECONFIG: kubeconfig };
step('building the proxy image (proxy-pod/build.sh)', 'sh', ['proxy-pod/build.sh']);
const manifests: object[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'echo', namespace: 'demo' }, spec: {
    replicas: 1, selector: { matchLabels: { app: 'echo' } },
    template: { metadata: { labels: { app: 'echo' } }, spec: { containers: [{
      name: 'echo', image: 'telepresence-test/echo:dev', imagePullPolicy: 'Never', ports: [{ containerPort: 8080 }],
      readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] } } } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'demo' },
    spec: { selector: { app: 'echo' }, ports: [{ port: 8080, targetPort: 8080 }] } },
];
for (const item of manifests) {
  const r = spawnSync('kubectl', ['apply', '--validate=false', '-f', '-'], { input: JSON.stringify(item), env, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`demo: kubectl apply failed: ${r.stderr}\n`);
    process.exit(1);
  }
}
step('waiting for the echo Deployment', 'kubectl', ['-n', 'demo', 'rollout', 'status', 'deployment/echo', '--timeout=120s'], env);

const extra = process.argv.slice(2);
const args = ['--method', 'inject-tcp', '--namespace', 'demo', ...(extra.length > 0 ? extra : ['--run', 'curl', '-sS', 'http://echo:8080/hello-from-telepresence'])];
process.stderr.write(`demo: KUBECONFIG=${kubeconfig} telepresence ${args.join(' ')}\n`);
const session = spawnSync(path.join(ROOT, 'bin/telepresence'), args, { env, stdio: 'inherit' });
process.stdout.write('\n');
process.exit(session.status ?? 1);
