// The cluster's CA and the API server's serving certificate, made with the openssl CLI on first
// start and reused afterwards (so a kubeconfig stays valid across restarts).
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export interface ServingCerts {
  caCert: string;
  cert: string;
  key: string;
}

const SANS = [
  'IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];

/** Creates DIR/ca.crt, ca.key, apiserver.crt, apiserver.key when missing; `serviceIp` is the kubernetes Service's IP. */
export async function ensureCerts(dir: string, serviceIp: string): Promise<ServingCerts> {
  const ca = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const crt = join(dir, 'apiserver.crt');
  const key = join(dir, 'apiserver.key');
  if (!existsSync(ca) || !existsSync(caKey)) {
    await execa('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '3650',
      '-subj', '/CN=tp-cluster-ca', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ]);
  }
  const ext = join(dir, 'apiserver.ext');
  const extText = [
    `subjectAltName=${[...SANS, `IP:${serviceIp}`].join(',')}`,
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    '',
  ].join('\n');
  // A new service CIDR moves the kubernetes Service's IP: the serving cert must name the new one.
  const sameSans = existsSync(ext) && (await readFile(ext, 'utf8')) === extText;
  if (!existsSync(crt) || !existsSync(key) || !sameSans) {
    const csr = join(dir, 'apiserver.csr');
    await execa('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=kube-apiserver']);
    await writeFile(ext, extText);
    await execa('openssl', [
      'x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', crt, '-days', '3650',
      '-extfile', ext,
    ]);
  }
  return {
    caCert: await readFile(ca, 'utf8'),
    cert: await readFile(crt, 'utf8'),
    key: await readFile(key, 'utf8'),
  };
}
