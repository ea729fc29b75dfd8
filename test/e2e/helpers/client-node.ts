// The tests load @kubernetes/client-node the way the product does (lazily, one copy).
export { loadClientNode, type ClientNode } from '../../../src/kube/client-node.js';
