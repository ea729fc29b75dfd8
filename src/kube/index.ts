// The cluster adapter's entry points, for the session and `telepresence plan`.
export { resolveClusterTarget, type ClusterTarget, type ClusterTargetOptions } from './target.js';
export { deployProxy, type DeployProxyOptions, type DeployedProxy } from './proxy-deploy.js';
export { deleteSessionObjects, findLeftovers, describeObjects, type SessionObject } from './cleanup.js';
export { connectToProxy, PROXY_SSH_USER, type ProxyConnection, type ConnectTimeouts } from './connect.js';
export { discoverSubnets, type ClusterSubnets } from './subnets.js';
export { SESSION_LABEL, SSH_PORT, SOCKS_PORT, DNS_PORT, checkProxyName, needsPrivileged, proxyDeployment, proxyService, type ProxySpecOptions } from './proxy-spec.js';
export { describePodState, describeEvents, isPodReady } from './pod-state.js';
export { loadClientNode } from './client-node.js';
export { watchNamespaces, fallbackNamespaces, type NamespaceWatch, type NamespaceWatchOptions } from './namespaces.js';
