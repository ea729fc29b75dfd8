// Readiness probes, run from the host: tcpSocket and httpGet through the node agent's dial relay,
// exec with `docker exec`. Each resolves to true (success) or false, never throws.
import { dialPod } from './dial.js';
import { tryRun } from './run.js';
import type { Container, Probe } from './pod-types.js';

function resolvePort(c: Container, port: number | string): number {
  if (typeof port === 'number') return port;
  const named = (c.ports ?? []).find((p) => p.name === port);
  return named ? named.containerPort : Number(port);
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);
}

async function httpProbe(stateDir: string, podIp: string, port: number, path: string): Promise<boolean> {
  const socket = await dialPod(stateDir, podIp, port);
  return new Promise((resolve) => {
    let head = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      head += chunk;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (m || head.length > 64) {
        socket.destroy();
        const code = m ? Number(m[1]) : 0;
        resolve(code >= 200 && code < 400);
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${podIp}:${port}\r\nUser-Agent: kube-probe/1.32\r\nConnection: close\r\n\r\n`);
  });
}

export async function runProbe(stateDir: string, podIp: string, containerName: string, c: Container, probe: Probe): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  const attempt = async (): Promise<boolean> => {
    if (probe.tcpSocket) {
      const s = await dialPod(stateDir, podIp, resolvePort(c, probe.tcpSocket.port));
      s.destroy();
      return true;
    }
    if (probe.httpGet) return httpProbe(stateDir, podIp, resolvePort(c, probe.httpGet.port), probe.httpGet.path ?? '/');
    if (probe.exec) return (await tryRun('docker', ['exec', containerName, ...probe.exec.command])).exitCode === 0;
    return true;
  };
  return withTimeout(attempt().catch(() => false), timeoutMs, false);
}
