// Decoding kubectl's protobuf bodies: fixtures are the exact bytes kubectl 1.32 sent for
// `create deployment d1 --image=nginx --port=80 --replicas=2`, `create service clusterip s1
// --tcp=80:8080 --tcp=443:https`, `create configmap c1 --from-literal=a=b --from-literal=c=d`,
// `create secret generic sec1 --from-literal=a=b` and `create token default --duration=10m`.
import { expect } from 'chai';
import { decodeKubernetesProtobuf } from '../../../cluster/apiserver/protobuf.js';

const FIXTURES = {
  deployment: 'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50ErgBCiEKAmQxEgAaBGRlbW8iACoAMgA4AEIAWgkKA2FwcBICZDEShAEIAhILCgkKA2FwcBICZDEaawobCgASABoAIgAqADIAOABCAFoJCgNhcHASAmQxEkwSLgoFbmdpbngSBW5naW54KgAyCgoAEAAYUCIAKgBCAGoAcgCAAQCIAQCQAQCiAQAaADIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAIgIKACgAOAAaDAgAEAAYACAAKAA4ABoAIgA=',
  service: 'azhzAAoNCgJ2MRIHU2VydmljZRKOAQohCgJzMRIAGgRkZW1vIgAqADIAOABCAFoJCgNhcHASAnMxEmUKGwoHODAtODA4MBIDVENQGFAiBwgAEJA/GgAoAAoiCgk0NDMtaHR0cHMSA1RDUBi7AyILCAEQABoFaHR0cHMoABIJCgNhcHASAnMxGgAiCUNsdXN0ZXJJUDoAQgBSAFoAYABoABoCCgAaACIA',
  configmap: 'azhzAAoPCgJ2MRIJQ29uZmlnTWFwEigKFgoCYzESABoEZGVtbyIAKgAyADgAQgASBgoBYRIBYhIGCgFjEgFkGgAiAA==',
  secret: 'azhzAAoMCgJ2MRIGU2VjcmV0EiQKGAoEc2VjMRIAGgRkZW1vIgAqADIAOABCABIGCgFhEgFiGgAaACIA',
  token: 'azhzAAooChhhdXRoZW50aWNhdGlvbi5rOHMuaW8vdjESDFRva2VuUmVxdWVzdBIdChAKABIAGgAiACoAMgA4AEIAEgMg2AQaBAoAEgAaACIA',
};

const decode = (name: keyof typeof FIXTURES) => decodeKubernetesProtobuf(Buffer.from(FIXTURES[name], 'base64'));

describe('apiserver protobuf decoding', () => {
  it('decodes a Deployment, dropping the zero values gogo always writes', () => {
    expect(decode('deployment')).to.deep.equal({
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'd1', namespace: 'demo', labels: { app: 'd1' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'd1' } },
        template: {
          metadata: { labels: { app: 'd1' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
        },
      },
    });
  });

  it('decodes a Service with int and named target ports', () => {
    expect(decode('service')).to.deep.equal({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 's1', namespace: 'demo', labels: { app: 's1' } },
      spec: {
        ports: [
          { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: '443-https', protocol: 'TCP', port: 443, targetPort: 'https' },
        ],
        selector: { app: 's1' },
        type: 'ClusterIP',
      },
    });
  });

  it('decodes ConfigMap data, Secret data (as base64) and a TokenRequest', () => {
    expect(decode('configmap')).to.deep.equal({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1', namespace: 'demo' }, data: { a: 'b', c: 'd' } });
    expect(decode('secret')).to.deep.equal({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec1', namespace: 'demo' }, data: { a: 'Yg==' } });
    expect(decode('token')).to.deep.equal({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } });
  });

  it('refuses a body without the k8s magic and kinds it has no table for', () => {
    expect(() => decodeKubernetesProtobuf(Buffer.from('{}'))).to.throw('protobuf: missing k8s magic prefix');
    const job = Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x0f, 0x0a, 0x08]), Buffer.from('batch/v1'), Buffer.from([0x12, 0x03]), Buffer.from('Job')]);
    expect(() => decodeKubernetesProtobuf(job)).to.throw('the protobuf encoding of batch/v1/Job is not supported by this server; send application/json');
  });
});
