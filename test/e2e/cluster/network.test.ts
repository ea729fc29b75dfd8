// The cluster's network seen from inside pods (pod-to-pod, pod-to-Service incl. hairpin, cluster DNS)
// and from the host (no route to either subnet: only the guard routes).
import { expect } from 'chai';
import { execa } from 'execa';

import { useCluster } from '../helpers/cluster.js';
import { echoPod, runScript, section, waitForReady } from '../helpers/pods.js';

interface Echo { pod: string; podIp: string; method: string; path: string; client: { address: string } }

describe('cluster network', function () {
  this.timeout(180_000);
  const fx = useCluster();

  async function echoWithService(): Promise<{ ip: string; clusterIp: string }> {
    await fx.kubectl(['apply', '-f', '-'], echoPod('echo'));
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' },
      spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }));
    const pod = await waitForReady(fx, 'echo');
    const svc = await fx.core.readNamespacedService({ name: 'echo', namespace: fx.namespace });
    return { ip: pod.status!.podIP!, clusterIp: svc.spec!.clusterIP! };
  }

  it('gives pods IPs from the pod subnet and carries pod-to-pod and pod-to-Service traffic', async () => {
    const echo = await echoWithService();
    expect(echo.ip).to.match(/^10\.132\.\d+\.\d+$/);
    expect(echo.clusterIp).to.match(/^10\.130\.\d+\.\d+$/);
    const log = await runScript(fx, 'client', [
      'echo "== ip"; ip -4 -o addr show dev eth0 | awk \'{print $4}\'',
      `echo "== pod"; curl -sS -m 10 http://${echo.ip}:8080/direct; echo`,
      `echo "== service"; curl -sS -m 10 http://${echo.clusterIp}/via-service; echo`,
    ].join('\n'));
    const clientIp = section(log, 'ip')[0]!.replace(/\/32$/, '');
    expect(clientIp).to.match(/^10\.132\.\d+\.\d+$/);
    const direct = JSON.parse(section(log, 'pod')[0]!) as Echo;
    expect(direct).to.include({ pod: 'echo', podIp: echo.ip, method: 'GET', path: '/direct' });
    expect(direct.client.address).to.equal(clientIp);
    const viaService = JSON.parse(section(log, 'service')[0]!) as Echo;
    expect(viaService).to.include({ pod: 'echo', podIp: echo.ip, path: '/via-service' });
    expect(viaService.client.address).to.equal(clientIp);
  });

  it('lets a pod reach itself through its own Service (hairpin)', async () => {
    const { clusterIp } = await echoWithService();
    // The echo image has curl too: ask the echo pod's own container to call its Service.
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'self', labels: { app: 'self' } },
      spec: { restartPolicy: 'Never', containers: [
        { name: 'echo', image: 'telepresence-test/echo:dev', imagePullPolicy: 'Never', ports: [{ containerPort: 8080 }] },
        { name: 'probe', image: 'telepresence-test/tools:dev', imagePullPolicy: 'Never', command: ['sh', '-c',
          'for i in $(seq 50); do curl -sS -m 5 http://loop/hairpin && exit 0; sleep 0.2; done; exit 1'] }] } }));
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'loop' }, // not the pod's name: that resolves to the pod itself via /etc/hosts
      spec: { selector: { app: 'self' }, ports: [{ port: 80, targetPort: 8080 }] } }));
    expect(clusterIp).to.not.equal('');
    const body = await waitForLog('self', 'probe');
    const answer = JSON.parse(body) as Echo;
    expect(answer).to.include({ pod: 'self', path: '/hairpin' });
    expect(answer.client.address).to.equal('10.132.0.1'); // hairpin traffic is SNATed to the node's gateway
  });

  async function waitForLog(pod: string, container: string): Promise<string> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await fx.kubectlResult(['logs', pod, '-c', container]);
      const last = r.stdout.trim().split('\n').pop() ?? '';
      if (r.exitCode === 0 && last.startsWith('{')) return last; // earlier lines: tries before the endpoint was ready
      if (Date.now() > deadline) throw new Error(`no answer in the log of ${pod}/${container}: ${r.stdout}${r.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  it('resolves Services (and headless Services to pod IPs) with the cluster DNS, and nothing outside', async () => {
    const echo = await echoWithService();
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo-headless' },
      spec: { clusterIP: 'None', selector: { app: 'echo' }, ports: [{ port: 8080 }] } }));
    const ns = fx.namespace;
    const log = await runScript(fx, 'dig', [
      'echo "== resolv"; cat /etc/resolv.conf',
      `echo "== fqdn"; dig +short echo.${ns}.svc.cluster.local`,
      'echo "== search"; dig +short +search echo',
      `echo "== tcp"; dig +short +tcp echo.${ns}.svc.cluster.local`,
      `echo "== headless"; dig +short echo-headless.${ns}.svc.cluster.local`,
      'echo "== kubernetes"; dig +short kubernetes.default.svc.cluster.local',
      `echo "== missing"; dig missing.${ns}.svc.cluster.local | grep -o "status: [A-Z]*"`,
      'echo "== outside"; dig example.com | grep -o "status: [A-Z]*"',
      'echo "== curl by name"; curl -sS -m 10 http://echo/by-name; echo',
    ].join('\n'));
    expect(section(log, 'resolv')).to.deep.equal([
      `search ${ns}.svc.cluster.local svc.cluster.local cluster.local`, 'nameserver 10.130.0.10', 'options ndots:5']);
    expect(section(log, 'fqdn')).to.deep.equal([echo.clusterIp]);
    expect(section(log, 'search')).to.deep.equal([echo.clusterIp]);
    expect(section(log, 'tcp')).to.deep.equal([echo.clusterIp]);
    expect(section(log, 'headless')).to.deep.equal([echo.ip]);
    expect(section(log, 'kubernetes')).to.deep.equal(['10.130.0.1']);
    expect(section(log, 'missing')).to.deep.equal(['status: NXDOMAIN']);
    expect(section(log, 'outside')).to.deep.equal(['status: REFUSED']);
    expect(JSON.parse(section(log, 'curl by name')[0]!)).to.include({ pod: 'echo', path: '/by-name' });
  });

  it('gives the host no route to the pod, service or virtual subnet: only the guard routes', async () => {
    const { ip, clusterIp } = await echoWithService();
    for (const addr of [ip, clusterIp, '246.246.0.1']) {
      const r = await execa('ip', ['route', 'get', addr], { reject: false });
      expect(r.exitCode, `ip route get ${addr}`).to.equal(2);
      expect(r.stderr).to.equal('RTNETLINK answers: No route to host');
    }
    const guards = (await execa('ip', ['route', 'show', 'type', 'unreachable'])).stdout.split('\n').map((l) => l.trim());
    for (const subnet of ['10.130.0.0/16', '10.132.0.0/16', '246.246.0.0/16']) {
      expect(guards).to.include(`unreachable ${subnet} metric 9999`);
    }
  });
});
