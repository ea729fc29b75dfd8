// The objects of issue 10 on the running cluster, through the real kubectl (one namespace; every pod is
// started in before(), each test waits for its own): StatefulSet stable names in cluster DNS, headless and
// ExternalName Services, Leases, downwardAPI/projected volumes, hostAliases, subPath, kubectl debug,
// imagePullPolicy reasons, securityContext (runAsNonRoot refused), hostPort.
import { expect } from 'chai';

import { type ClientNode, loadClientNode } from '../helpers/client-node.js';
import { waitFor } from '../helpers/cluster.js';
import { ECHO_IMAGE, TOOLS_IMAGE, readPod, runScript, section, waitForReady } from '../helpers/pods.js';
import { useSharedFixture } from '../helpers/shared-fixture.js';

const LOOP = 'trap "exit 0" TERM; while true; do sleep 0.2; done';
const FAST = { terminationGracePeriodSeconds: 2 };

function pod(name: string, container: object, spec: object = {}, labels: Record<string, string> = { app: name }): object {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { ...FAST, ...spec, containers: [{ name: 'main', image: TOOLS_IMAGE, imagePullPolicy: 'Never', ...container }] } };
}

describe('cluster objects', function () {
  this.timeout(180_000);
  const fx = useSharedFixture('tp-e2e-obj');
  const ns = () => fx.namespace;
  const waiting = async (name: string, reason: string) => waitFor(`${name} waiting with ${reason}`, 60_000, async () => {
    const s = (await readPod(fx, name)).status?.containerStatuses?.[0]?.state?.waiting;
    return s?.reason === reason ? s : undefined;
  }, 50);

  before(async function () {
    this.timeout(120_000);
    const manifests: object[] = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 8080 }] } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' }, spec: {
        replicas: 2, serviceName: 'web', selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { ...FAST, containers: [{ name: 'main', image: TOOLS_IMAGE, imagePullPolicy: 'Never',
          command: ['sh', '-c', `echo "== hostname"; cat /etc/hostname; hostname -f; echo "== hosts"; tail -n 1 /etc/hosts; ${LOOP}`] }] } },
      } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { 'app.conf': 'mode=test\n', other: 'x' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, stringData: { password: 's3cr3t' } },
      pod('target', { command: ['sh', '-c', LOOP] }),
      pod('never', { image: 'telepresence-test/does-not-exist:dev' }),
      pod('nonroot', { command: ['sh', '-c', LOOP], securityContext: { runAsNonRoot: true } }),
      pod('hp', { image: ECHO_IMAGE, ports: [{ containerPort: 8080, hostPort: 18080 }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }),
    ];
    await fx.kubectl(['apply', '-f', '-'], manifests.map((m) => JSON.stringify(m)).join('\n'));
  });

  it('gives StatefulSet pods, made one after the other, stable names in cluster DNS through the headless Service', async () => {
    const sts = await waitFor('2 ready replicas', 90_000, async () => {
      const s = await fx.apps.readNamespacedStatefulSet({ name: 'web', namespace: ns() });
      return s.status?.readyReplicas === 2 ? s : undefined;
    });
    expect(sts.status).to.include({ replicas: 2, availableReplicas: 2, updatedReplicas: 2 });
    const [web0, web1] = [await readPod(fx, 'web-0'), await readPod(fx, 'web-1')];
    // OrderedReady: web-1 was created only once web-0 was Ready.
    const ready0 = web0.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!;
    expect(new Date(web1.metadata!.creationTimestamp!).getTime()).to.be.at.least(new Date(ready0).getTime());
    expect(web1.metadata!.ownerReferences![0]).to.include({ kind: 'StatefulSet', name: 'web', controller: true });
    const fqdn = `web-0.web.${ns()}.svc.cluster.local`;
    expect(section(await fx.kubectl(['logs', 'web-0']), 'hostname')).to.deep.equal(['web-0', fqdn]);
    expect(section(await fx.kubectl(['logs', 'web-0']), 'hosts')).to.deep.equal([`${web0.status!.podIP}\t${fqdn}\tweb-0`]);

    await fx.kubectl(['create', 'service', 'externalname', 'ext', '--external-name=db.example.com']);
    const log = await runScript(fx, 'resolver', [
      `echo "== stable"; getent hosts ${fqdn} | cut -d' ' -f1; getent hosts web-1.web | cut -d' ' -f1`,
      `echo "== headless"; dig +short web.${ns()}.svc.cluster.local | sort`,
      `echo "== cname"; dig +short ext.${ns()}.svc.cluster.local; dig +noall +answer ext.${ns()}.svc.cluster.local CNAME | awk '{print $4, $5}'`,
    ].join('\n'), { spec: FAST });
    expect(section(log, 'stable')).to.deep.equal([web0.status!.podIP, web1.status!.podIP]);
    expect(section(log, 'headless')).to.deep.equal([web0.status!.podIP!, web1.status!.podIP!].sort());
    expect(section(log, 'cname')).to.deep.equal(['db.example.com.', 'CNAME db.example.com.']);
    expect(await fx.kubectl(['get', 'svc', 'ext', '-o', 'jsonpath={.spec.type} {.spec.clusterIP}'])).to.equal('ExternalName ');

    expect(await fx.kubectl(['scale', 'statefulset', 'web', '--replicas=1'])).to.equal('statefulset.apps/web scaled');
    await waitFor('web-1 gone', 60_000, async () => (await fx.kubectlResult(['get', 'pod', 'web-1'])).exitCode !== 0 ? true : undefined);
    expect(await fx.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])).to.equal('web-0');
    expect(await fx.kubectl(['delete', 'statefulset', 'web'])).to.equal('statefulset.apps "web" deleted');
    await waitFor('web-0 gone', 60_000, async () => (await fx.kubectlResult(['get', 'pod', 'web-0'])).exitCode !== 0 ? true : undefined);
  });

  it('creates, renews and reads back a Lease (kubectl and client-node), refusing a stale update with 409', async () => {
    const k8s: ClientNode = await loadClientNode();
    const coordination = fx.kc.makeApiClient(k8s.CoordinationV1Api);
    const t0 = new k8s.V1MicroTime();
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'session' },
      spec: { holderIdentity: 'workstation-1', leaseDurationSeconds: 15, acquireTime: t0.toISOString(), renewTime: t0.toISOString() } }));
    const first = await coordination.readNamespacedLease({ name: 'session', namespace: ns() });
    const renewed = await coordination.replaceNamespacedLease({ name: 'session', namespace: ns(), body: {
      ...first, spec: { ...first.spec, renewTime: new k8s.V1MicroTime(Date.now() + 1000) } } });
    expect(Number(renewed.metadata!.resourceVersion)).to.be.greaterThan(Number(first.metadata!.resourceVersion));
    expect(String(renewed.spec!.renewTime)).to.not.equal(String(first.spec!.renewTime));
    const stale = await coordination.replaceNamespacedLease({ name: 'session', namespace: ns(), body: { ...first, spec: { ...first.spec, holderIdentity: 'workstation-2' } } })
      .then(() => undefined, (e: { code?: number; body?: string }) => e);
    expect(stale?.code).to.equal(409);
    expect(JSON.parse(stale!.body!).message).to.equal('Operation cannot be fulfilled on leases.coordination.k8s.io "session": the object has been modified; please apply your changes to the latest version and try again');
    expect(await fx.kubectl(['get', 'lease', 'session', '-o', 'jsonpath={.spec.holderIdentity} {.spec.renewTime}'])).to.equal(`workstation-1 ${String(renewed.spec!.renewTime)}`);
    expect(String(renewed.spec!.renewTime)).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('mounts downwardAPI and projected volumes, subPath files and hostAliases as a kubelet does', async () => {
    const log = await runScript(fx, 'files', [
      'echo "== labels"; cat /etc/podinfo/labels; echo', 'echo "== meta"; cat /etc/podinfo/name /etc/podinfo/namespace; echo',
      'echo "== cpu"; cat /etc/podinfo/cpu_limit_m; echo',
      'echo "== layout"; readlink /etc/podinfo/labels; ls -A /etc/podinfo | grep -c "^\\.\\.2"',
      'echo "== projected"; cat /etc/all/conf/app.conf /etc/all/password; echo; cat /etc/all/ns; echo',
      'echo "== token"; curl -sS --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt -H "Authorization: Bearer $(cat /etc/all/token)"'
        + ` https://kubernetes.default.svc/api/v1/namespaces/${ns()}/configmaps/cfg -o /dev/null -w "%{http_code}\\n"`,
      'echo "== sa"; ls /var/run/secrets/kubernetes.io/serviceaccount',
      'echo "== subpath"; cat /etc/app.conf; echo sub > /data/in-sub; ls /data',
      'echo "== aliases"; sed -n "/HostAliases/,\\$p" /etc/hosts; getent hosts db.internal',
    ].join('\n'), {
      spec: {
        ...FAST,
        hostAliases: [{ ip: '10.1.2.3', hostnames: ['db.internal', 'db'] }, { ip: '127.0.0.1', hostnames: ['me.local'] }],
        volumes: [
          { name: 'podinfo', downwardAPI: { items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } },
            { path: 'cpu_limit_m', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
          ] } },
          { name: 'all', projected: { sources: [
            { configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf' }] } },
            { secret: { name: 'sec' } },
            { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
            { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
          ] } },
          { name: 'cfg', configMap: { name: 'cfg' } },
          { name: 'scratch', emptyDir: {} },
        ],
      },
      container: {
        resources: { limits: { cpu: '250m' } },
        volumeMounts: [
          { name: 'podinfo', mountPath: '/etc/podinfo' }, { name: 'all', mountPath: '/etc/all' },
          { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' }, { name: 'scratch', mountPath: '/data', subPath: 'nested/dir' },
        ],
      },
    });
    expect(section(log, 'labels')).to.deep.equal(['app="files"']);
    expect(section(log, 'meta')).to.deep.equal([`files${ns()}`]);
    expect(section(log, 'cpu')).to.deep.equal(['250']);
    expect(section(log, 'layout')).to.deep.equal(['..data/labels', '1']);
    expect(section(log, 'projected')).to.deep.equal(['mode=test', 's3cr3t', ns()]);
    expect(section(log, 'token')).to.deep.equal(['200']); // the projected token is a working service-account token
    expect(section(log, 'sa')).to.deep.equal(['ca.crt', 'namespace', 'token']);
    expect(section(log, 'subpath')).to.deep.equal(['mode=test', 'in-sub']);
    expect(section(log, 'aliases')).to.deep.equal(['# Entries added by HostAliases.', '10.1.2.3\tdb.internal\tdb', '127.0.0.1\tme.local', '10.1.2.3        db.internal db']);
  });

  it('runs kubectl debug --target in the pod\'s network and the target\'s process namespace, logs readable', async () => {
    const target = await waitForReady(fx, 'target');
    const r = await fx.kubectlResult(['debug', 'target', `--image=${TOOLS_IMAGE}`, '--target=main', '-c', 'dbg', '--profile=general', '--',
      'sh', '-c', 'ip -4 -o addr show eth0 | awk \'{print $4}\'; ps -o args= -p 1']);
    expect(r.exitCode, r.stderr).to.equal(0);
    const status = await waitFor('dbg to finish', 60_000, async () => {
      const s = (await readPod(fx, 'target')).status?.ephemeralContainerStatuses?.find((c) => c.name === 'dbg');
      return s?.state?.terminated ? s : undefined;
    });
    expect(status.state!.terminated).to.include({ exitCode: 0, reason: 'Completed' });
    expect(await fx.kubectl(['logs', 'target', '-c', 'dbg'])).to.equal(`${target.status!.podIP}/32\nsh -c ${LOOP}`);
  });

  it('reports imagePullPolicy outcomes with the kubelet\'s reasons', async () => {
    const never = await waiting('never', 'ErrImageNeverPull');
    expect(never.message).to.equal('Container image "telepresence-test/does-not-exist:dev" is not present with pull policy of Never');
    // Made here, not in before(): the first ErrImagePull shows for a second, then the back-off doubles from 10 s.
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify(pod('always', { image: TOOLS_IMAGE, imagePullPolicy: 'Always' })));
    const pull = await waiting('always', 'ErrImagePull');
    expect(pull.message).to.equal('rpc error: code = Unknown desc = Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host');
    const backoff = await waiting('always', 'ImagePullBackOff');
    expect(backoff.message).to.equal(`Back-off pulling image "${TOOLS_IMAGE}"`);
    expect(await fx.kubectl(['get', 'pod', 'always', '--no-headers'])).to.match(/^always\s+0\/1\s+(ImagePullBackOff|ErrImagePull)\s+0\s/);
    expect((await readPod(fx, 'always')).status!.phase).to.equal('Pending');
  });

  it('applies securityContext and refuses runAsNonRoot for an image that runs as root', async () => {
    const refused = await waiting('nonroot', 'CreateContainerConfigError');
    const uid = (await readPod(fx, 'nonroot')).metadata!.uid!;
    expect(refused.message).to.equal(`container has runAsNonRoot and image will run as root (pod: "nonroot_${ns()}(${uid})", container: main)`);
    const log = await runScript(fx, 'secure', 'id -u; id -g; id -G; (touch /root-write 2>/dev/null && echo writable) || echo read-only; (ip link set lo mtu 1400 2>/dev/null && echo net-admin) || echo no-net-admin', {
      spec: { ...FAST, securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], runAsNonRoot: true } },
      container: { securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
    });
    expect(log.split('\n').filter(Boolean)).to.deep.equal(['1000', '3000', '3000 4000', 'read-only', 'no-net-admin']);
  });

  it('forwards a hostPort on the node\'s address to the pod', async () => {
    const hp = await waitForReady(fx, 'hp');
    const log = await runScript(fx, 'hp-client', `curl -sS -m 5 http://${hp.status!.hostIP}:18080/via-host-port`, { spec: FAST });
    expect(JSON.parse(log)).to.include({ pod: 'hp', path: '/via-host-port' });
  });
});
