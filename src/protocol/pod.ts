// Where and as whom the launcher meets the pod: ports, the SSH user and uid, the container's name,
// the podinfo command, and the environment variables the pod program reads.

/** sshd, the tunnel's far end (`kubectl port-forward` to it; the pod's readiness probe). */
export const SSH_PORT = 8022;
/** The pod's SOCKSv5 server with Tor's extensions (inject-tcp). */
export const SOCKS_PORT = 9050;
/** The pod's DNS server, UDP and TCP (suffix stripping; vpn-tcp asks it over TCP). */
export const DNS_PORT = 9053;
/** Where the tunnel's streams reach SOCKS_PORT and DNS_PORT: the pod's own loopback. */
export const POD_SERVICE_HOST = '127.0.0.1';

/** The variables the pod program and its entrypoint read (set in the pod spec, or by tests). */
export const POD_ENV = {
  /**
   * The session's one OpenSSH public key line (a new Deployment always has it). Empty or unset (a shared
   * Deployment for --deployment): no key is authorized until a session adds its own through the exec API.
   */
  sshPublicKey: 'TELEPRESENCE_SSH_PUBKEY',
  /** Where `serve` saves the start environment for `telepresence-podinfo` (SSH sessions lack it). */
  stateDir: 'TELEPRESENCE_STATE_DIR',
  /** The address SOCKS and DNS listen on (default 0.0.0.0). */
  listenHost: 'TELEPRESENCE_LISTEN_HOST',
  /** SOCKS_PORT unless set (tests pick free ports). */
  socksPort: 'TELEPRESENCE_SOCKS_PORT',
  /** DNS_PORT unless set. */
  dnsPort: 'TELEPRESENCE_DNS_PORT',
  /** Local clusters: the nameserver for names outside the cluster (Telepresence 1's name). */
  nameserver: 'TELEPRESENCE_NAMESERVER',
  /** Local clusters: comma-separated names that count as cluster names then. */
  localNames: 'TELEPRESENCE_LOCAL_NAMES',
} as const;

/** The pod's own settings: never part of the environment the app sees. */
export const POD_SETTING_VARIABLES: readonly string[] = Object.values(POD_ENV);

/**
 * The pod's SSH host key as sshd's HostKey file has it, public half (entrypoint.sh makes the pair at
 * start): read through the exec API, it is the key the session's SSH client accepts (host key pinning).
 */
export const POD_HOST_KEY_FILE = '/home/telepresence/.ssh/ssh_host_ed25519_key.pub';

/** Run over SSH, prints one line of PodInfo JSON. */
export const PODINFO_COMMAND = 'telepresence-podinfo';
/** The image's unprivileged user: the SSH login and the owner of everything in the pod. */
export const PROXY_SSH_USER = 'telepresence';
/** Its uid (the pod spec's runAsUser: the image's USER). */
export const PROXY_UID = 1000;
/** The proxy container's name in the pod spec (logs, TELEPRESENCE_CONTAINER). */
export const PROXY_CONTAINER = 'telepresence';
