// The workstation<->pod contract, in one place for both sides: the launcher (src/) and the proxy
// image's program (proxy-pod/src, which ships this folder compiled). PURE: imports nothing outside this folder.
//
// What is a compatible change (no new protocol version; an old pod or an old launcher still works):
// - adding an OPTIONAL field to PodInfo that the launcher can do without (the old launcher ignores it);
// - adding an optional env variable the pod reads, with a default that keeps today's behaviour
//   (an old pod ignores it; list it in POD_SETTING_VARIABLES so it stays out of the app's environment);
// - adding a port or a command the launcher only uses when the pod says it has it (a PodInfo field);
// - new DNS names the pod answers, if no name answered today changes its answer.
// What needs POD_PROTOCOL_VERSION + 1 (and the launcher refuses the other version, naming both):
// - removing or renaming anything here, or changing its type, meaning or value (a port, an env name,
//   the podinfo command, the SSH user, the uid, the probe prefix or its answer);
// - a new REQUIRED PodInfo field, or a field the launcher starts to depend on;
// - a pod that needs a new env variable to start, or a launcher that needs a new pod behaviour.
export {
  POD_PROTOCOL_VERSION, podInfoProtocolVersion, podProtocolMismatch, parsePodInfo, type PodInfo, type PodInfoAsker, type PodInfoCheck,
} from './pod-info.js';
export {
  SSH_PORT, SOCKS_PORT, DNS_PORT, POD_SERVICE_HOST, POD_ENV, POD_SETTING_VARIABLES, PODINFO_COMMAND, POD_HOST_KEY_FILE,
  PROXY_SSH_USER, PROXY_CONTAINER, PROXY_UID,
} from './pod.js';
export { PROBE_PREFIX, PROBE_ANSWER, PROBE_SANITY_CHECK_SUFFIX } from './dns.js';
export { checkDnsMessage, countsFit, dnsErrorReply, skipName, DNS_MAX_QUERY_BYTES, WIRE_RCODE, type DnsCheck } from './dns-wire.js';
export {
  guardDnsServer, DNS_TCP_IDLE_MS, DNS_TCP_MAX_CLIENTS, DNS_TCP_MAX_IN_FLIGHT, DNS_MAX_CONCURRENT, type Dns2ServerLike,
} from './dns-guard.js';
export { PROXY_IMAGE_REPOSITORY, PROXY_IMAGE_VARIABLE, defaultProxyImage, proxyImageBuildHint, proxyImageFix } from './image.js';
export type {
  DnsService, DnsServiceType, DnsEndpoints, DnsEndpointAddress, DnsPod, DnsPort, DnsPortProtocol,
} from './cluster-dns.js';
export {
  RELAY_PORT, RELAY_SOCKS_USER, RELAY_IDLE_SECONDS, RELAY_SECRET_MIN_LENGTH, RELAY_ENV, RELAY_PID_FILE, RELAY_COMMAND, RELAY_STOP_COMMAND,
  RELAY_READY_PREFIX, RELAY_HELLO_ACCEPTED, relayClientHello,
} from './relay.js';
export { SOCKS_REPLY, SOCKS_REPLY_TEXT, socksReply } from './socks.js';
