// The grammar of `docker run`'s flags: which take a value, which are booleans, their one-letter forms.
// Pure data, so the split of --docker-run's arguments (docker-args.ts) needs no Docker installed.

/**
 * Long names of the `docker run` flags that take a value, from `/usr/bin/docker run --help` of Debian's
 * docker.io 20.10.24+dfsg1 (build 297e128), the package installed on the test machine.
 */
const VALUE_FLAGS_20_10 = [
  'add-host', 'attach', 'blkio-weight', 'blkio-weight-device', 'cap-add', 'cap-drop', 'cgroup-parent', 'cgroupns',
  'cidfile', 'cpu-period', 'cpu-quota', 'cpu-rt-period', 'cpu-rt-runtime', 'cpu-shares', 'cpus', 'cpuset-cpus',
  'cpuset-mems', 'detach-keys', 'device', 'device-cgroup-rule', 'device-read-bps', 'device-read-iops',
  'device-write-bps', 'device-write-iops', 'dns', 'dns-option', 'dns-search', 'domainname', 'entrypoint', 'env',
  'env-file', 'expose', 'gpus', 'group-add', 'health-cmd', 'health-interval', 'health-retries',
  'health-start-period', 'health-timeout', 'hostname', 'ip', 'ip6', 'ipc', 'isolation', 'kernel-memory', 'label',
  'label-file', 'link', 'link-local-ip', 'log-driver', 'log-opt', 'mac-address', 'memory', 'memory-reservation',
  'memory-swap', 'memory-swappiness', 'mount', 'name', 'network', 'network-alias', 'oom-score-adj', 'pid',
  'pids-limit', 'platform', 'publish', 'pull', 'restart', 'runtime', 'security-opt', 'shm-size', 'stop-signal',
  'stop-timeout', 'storage-opt', 'sysctl', 'tmpfs', 'ulimit', 'user', 'userns', 'uts', 'volume', 'volume-driver',
  'volumes-from', 'workdir',
] as const;

/**
 * Value flags that the newer Docker 28.2.2 (/usr/local/bin/docker, first on the test machine's PATH) adds
 * to 20.10's list: a user with either CLI gets their value consumed, not taken for the image.
 */
const VALUE_FLAGS_28_2 = ['annotation', 'cpu-count', 'cpu-percent', 'health-start-interval', 'io-maxbandwidth', 'io-maxiops'];

/** Hidden aliases docker/cli registers but `--help` does not list (cli/command/container/opts.go). */
const HIDDEN_VALUE_FLAGS = ['net', 'net-alias', 'dns-opt'];

/** The boolean flags of both versions' `--help` (`-q/--quiet` and `--use-api-socket` are 28.2's). */
const BOOLEAN_FLAGS = [
  'detach', 'disable-content-trust', 'help', 'init', 'interactive', 'no-healthcheck', 'oom-kill-disable',
  'privileged', 'publish-all', 'quiet', 'read-only', 'rm', 'sig-proxy', 'tty', 'use-api-socket',
];

/** One-letter forms, the same in both versions; `-h` is --hostname in `docker run`, not help. */
export const SHORT_FLAGS: Readonly<Record<string, string>> = {
  a: 'attach', c: 'cpu-shares', d: 'detach', e: 'env', h: 'hostname', i: 'interactive', l: 'label', m: 'memory',
  p: 'publish', P: 'publish-all', q: 'quiet', t: 'tty', u: 'user', v: 'volume', w: 'workdir',
};

const VALUE_FLAGS: ReadonlySet<string> = new Set<string>([...VALUE_FLAGS_20_10, ...VALUE_FLAGS_28_2, ...HIDDEN_VALUE_FLAGS]);
const KNOWN_BOOLEANS: ReadonlySet<string> = new Set(BOOLEAN_FLAGS);

/**
 * Whether the long flag NAME takes a value. A flag in neither list (a newer Docker's, or a typo) is taken
 * as a boolean and passed through: docker itself then judges it, and says so if it wanted a value.
 */
export function takesValue(name: string): boolean {
  return VALUE_FLAGS.has(name);
}

/** Whether NAME is a boolean flag known to the table (the rest are booleans only by the fallback above). */
export function isKnownBoolean(name: string): boolean {
  return KNOWN_BOOLEANS.has(name);
}
