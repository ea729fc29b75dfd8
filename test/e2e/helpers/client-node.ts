// The tests load @kubernetes/client-node the way the product does (lazily, one copy), and an API server
// of their own with client-node pointed at it.
import type * as K8s from '@kubernetes/client-node';
import { startTestApiServer, type TestApiServer } from '../../cluster/apiserver/testing.js';
import { type ClientNode, loadClientNode } from '../../../src/kube/client-node.js';

export { loadClientNode, type ClientNode } from '../../../src/kube/client-node.js';

/** An API server of its own (no kubelet) with client-node pointed at it and `namespace` created. */
export async function testApiWithClients(namespace: string): Promise<{ k8s: ClientNode; api: TestApiServer; kc: K8s.KubeConfig; core: K8s.CoreV1Api }> {
  const k8s = await loadClientNode();
  const api = await startTestApiServer();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  return { k8s, api, kc, core };
}
