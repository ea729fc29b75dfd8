// Pods on the local node, seen through the real kubectl and client-node: env (values, refs, fields,
// $(VAR)), the Service variables, volumes, the service-account token, restarts with CrashLoopBackOff,
// ErrImageNeverPull, terminal phases, and deletion.
import { expect } from 'chai';

import { useCluster, waitFor } from '../helpers/cluster.js';
import { readPod, runScript, scriptPod, section, waitForPhase } from '../helpers/pods.js';

describe('cluster pods', function () {
  this.timeout(180_000);
  const fx = useCluster();

  it('gives containers their env, the Service variables, volumes and the service-account token', async () => {
    for (const obj of [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { greeting: 'hello', 'nested.txt': 'in a dir' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { password: Buffer.from('s3cr3t').toString('base64') } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-db' }, spec: { selector: { app: 'none' },
        ports: [{ name: 'pg-main', port: 5432, targetPort: 5432 }, { name: 'metrics', port: 9187, protocol: 'TCP' }] } },
    ]) await fx.kubectl(['apply', '-f', '-'], JSON.stringify(obj));
    const db = await fx.core.readNamespacedService({ name: 'my-db', namespace: fx.namespace });
    const ip = db.spec!.clusterIP!;
    const log = await runScript(fx, 'env-pod', [
      'echo "== env"; env | sort',
      'echo "== files"; cat /etc/cfg/g.txt; echo; cat /etc/cfg/sub/n.txt; echo; cat /etc/sec/password; echo',
      'echo scratch > /scratch/x && cat /scratch/x',
      'echo "== sa"; ls /var/run/secrets/kubernetes.io/serviceaccount; cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo',
      'echo "== api"; curl -sS --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt'
        + ' -H "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)"'
        + ' https://kubernetes.default.svc/api/v1/namespaces/$NS/services/my-db -o /dev/null -w "%{http_code}\\n"',
    ].join('\n'), {
      spec: { volumes: [
        { name: 'c', configMap: { name: 'cfg', items: [{ key: 'greeting', path: 'g.txt' }, { key: 'nested.txt', path: 'sub/n.txt' }] } },
        { name: 's', secret: { secretName: 'sec' } },
        { name: 'e', emptyDir: {} },
      ] },
      container: {
        volumeMounts: [{ name: 'c', mountPath: '/etc/cfg' }, { name: 's', mountPath: '/etc/sec' }, { name: 'e', mountPath: '/scratch' }],
        env: [
          { name: 'PLAIN', value: 'value one' },
          { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } },
          { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'EXPANDED', value: '$(PLAIN)+$(FROM_CM)' },
        ],
      },
    });
    const pod = await readPod(fx, 'env-pod');
    const env = section(log, 'env');
    expect(env).to.include.members([
      'PLAIN=value one', 'FROM_CM=hello', 'FROM_SECRET=s3cr3t', 'POD_NAME=env-pod', `NS=${fx.namespace}`,
      `MY_IP=${pod.status!.podIP}`, 'EXPANDED=value one+hello', 'HOSTNAME=env-pod',
      `MY_DB_SERVICE_HOST=${ip}`, 'MY_DB_SERVICE_PORT=5432', 'MY_DB_SERVICE_PORT_PG_MAIN=5432', 'MY_DB_SERVICE_PORT_METRICS=9187',
      `MY_DB_PORT=tcp://${ip}:5432`, `MY_DB_PORT_5432_TCP=tcp://${ip}:5432`, 'MY_DB_PORT_5432_TCP_PROTO=tcp',
      'MY_DB_PORT_5432_TCP_PORT=5432', `MY_DB_PORT_5432_TCP_ADDR=${ip}`, `MY_DB_PORT_9187_TCP=tcp://${ip}:9187`,
      'KUBERNETES_SERVICE_HOST=10.130.0.1', 'KUBERNETES_SERVICE_PORT=443', 'KUBERNETES_SERVICE_PORT_HTTPS=443',
      'KUBERNETES_PORT=tcp://10.130.0.1:443',
    ]);
    expect(section(log, 'files')).to.deep.equal(['hello', 'in a dir', 's3cr3t', 'scratch']);
    expect(section(log, 'sa')).to.deep.equal(['ca.crt', 'namespace', 'token', fx.namespace]);
    expect(section(log, 'api')).to.deep.equal(['200']);
  });

  it('applies securityContext runAsUser and capabilities', async () => {
    const script = 'echo "== id"; id -u; echo "== netadmin"; ip addr add 10.9.9.9/32 dev lo 2>/dev/null && echo allowed || echo denied';
    const plain = await runScript(fx, 'plain', script);
    const special = await runScript(fx, 'special', script, { container: { securityContext: { runAsUser: 0, capabilities: { add: ['NET_ADMIN'] } } } });
    const user = await runScript(fx, 'user', script, { container: { securityContext: { runAsUser: 1234 } } });
    expect(section(plain, 'netadmin')).to.deep.equal(['denied']);
    expect(section(special, 'netadmin')).to.deep.equal(['allowed']);
    expect(section(user, 'id')).to.deep.equal(['1234']);
  });

  it('restarts a container that exits (restartCount, CrashLoopBackOff with back-off)', async () => {
    await fx.kubectl(['apply', '-f', '-'], scriptPod('crasher', 'echo "attempt at $(date +%s)"; exit 3', { spec: { restartPolicy: 'Always' } }));
    const pod = await waitFor('crasher to be in CrashLoopBackOff after a restart', 60_000, async () => {
      const p = await readPod(fx, 'crasher');
      const s = p.status?.containerStatuses?.[0];
      return s && s.restartCount >= 1 && s.state?.waiting?.reason === 'CrashLoopBackOff' ? p : undefined;
    });
    const status = pod.status!.containerStatuses![0]!;
    expect(pod.status!.phase).to.equal('Running');
    expect(status.ready).to.equal(false);
    expect(status.lastState?.terminated).to.include({ exitCode: 3, reason: 'Error' });
    expect(status.state!.waiting!.message).to.match(/^back-off 10s restarting failed container=main pod=crasher_/);
    expect(await fx.kubectl(['get', 'pod', 'crasher', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])).to.equal('1');
    expect(await fx.kubectl(['logs', 'crasher'])).to.match(/^attempt at \d+$/); // one run's output: the current (waiting) container's
    const table = await fx.kubectl(['get', 'pod', 'crasher', '--no-headers']);
    expect(table).to.match(/^crasher\s+0\/1\s+CrashLoopBackOff\s+1 \(\d+s ago\)/);
  });

  it('ends a pod with restartPolicy Never as Succeeded or Failed', async () => {
    await fx.kubectl(['apply', '-f', '-'], scriptPod('ok', 'echo fine'));
    await fx.kubectl(['apply', '-f', '-'], scriptPod('bad', 'echo broken; exit 7'));
    const ok = await waitForPhase(fx, 'ok', ['Succeeded', 'Failed']);
    const bad = await waitForPhase(fx, 'bad', ['Succeeded', 'Failed']);
    expect(ok.status!.phase).to.equal('Succeeded');
    expect(ok.status!.containerStatuses![0]!.state!.terminated).to.include({ exitCode: 0, reason: 'Completed' });
    expect(bad.status!.phase).to.equal('Failed');
    expect(bad.status!.containerStatuses![0]!.state!.terminated).to.include({ exitCode: 7, reason: 'Error' });
    expect(bad.status!.containerStatuses![0]!.restartCount).to.equal(0);
    expect(await fx.kubectl(['logs', 'bad'])).to.equal('broken');
  });

  it('reports ErrImageNeverPull for an image that is not there', async () => {
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ghost' },
      spec: { containers: [{ name: 'c', image: 'telepresence-test/does-not-exist:dev', imagePullPolicy: 'Never' }] } }));
    const pod = await waitFor('ghost to report ErrImageNeverPull', 30_000, async () => {
      const p = await readPod(fx, 'ghost');
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull' ? p : undefined;
    });
    expect(pod.status!.phase).to.equal('Pending');
    expect(pod.status!.containerStatuses![0]!.state!.waiting!.message)
      .to.equal('Container image "telepresence-test/does-not-exist:dev" is not present with pull policy of Never');
    expect(await fx.kubectl(['get', 'pod', 'ghost', '--no-headers'])).to.match(/^ghost\s+0\/1\s+ErrImageNeverPull\s+0\s/);
  });

  it('deletes a running pod: containers stopped, then the object gone', async () => {
    await fx.kubectl(['apply', '-f', '-'], scriptPod('sleeper', 'trap "exit 0" TERM; while true; do sleep 0.1; done', { spec: { restartPolicy: 'Always' } }));
    await waitForPhase(fx, 'sleeper', ['Running']);
    const started = Date.now();
    expect(await fx.kubectl(['delete', 'pod', 'sleeper'])).to.equal('pod "sleeper" deleted');
    expect(Date.now() - started).to.be.below(15_000);
    const r = await fx.kubectlResult(['get', 'pod', 'sleeper']);
    expect(r.stderr.trim()).to.equal('Error from server (NotFound): pods "sleeper" not found');
  });
});
