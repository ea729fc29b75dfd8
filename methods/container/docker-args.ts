// Splits what follows --docker-run (docker run's flags, IMAGE, ARGS) between the container method's two
// containers, and builds their `docker run` argv. Pure: no Docker, no I/O; the method runs the lists.
import { UsageError } from '../../src/errors.js';
import { SHORT_FLAGS, takesValue } from './docker-flags.js';

/** The user's `docker run` arguments, split for a container that joins the sidecar's network. */
export interface DockerRunSplit {
  /** The values of -p/--publish, in order (e.g. '127.0.0.1:8080:80/tcp'): the session publishes them (publish.ts), not docker. */
  readonly sidecarPublish: readonly string[];
  /** Every other flag, as the user wrote it, for the user's own container. */
  readonly userFlags: readonly string[];
  readonly image: string;
  /** The image's arguments, untouched even when they look like flags (IMAGE -c 'x'). */
  readonly args: readonly string[];
  /** -i / -t as given (`-i=false` counts as not given): the session attaches the terminal accordingly. */
  readonly interactive: boolean;
  readonly tty: boolean;
  /** Whether --init was given with any value: the method adds --init only when it was not. */
  readonly init: boolean;
  /** -d/--detach as given: `docker run` then returns at once, so the user container's exit is not the run's. */
  readonly detach: boolean;
  /** The --name the user gave, so the method can record and remove that container; null when none. */
  readonly name: string | null;
}

const USAGE = '(telepresence --docker-run [docker run flags] IMAGE [ARGS])';
const SHARED_INTERFACE = "the container has no network interface of its own; it shares the sidecar's";

/** Flags that need a network namespace of the container's own, with why they cannot have one. */
const REFUSED: Readonly<Record<string, string>> = {
  network: "the container joins the sidecar's network (--network container:<sidecar>), which reaches the cluster",
  net: "the container joins the sidecar's network (--network container:<sidecar>), which reaches the cluster",
  hostname: "the container shares the sidecar's network namespace, which carries the pod's hostname",
  dns: "the session's DNS server answers the container's names, with the cluster's search path",
  'dns-search': "the session's DNS server answers the container's names, with the cluster's search path",
  'dns-option': "the session's DNS server answers the container's names, with the cluster's search path",
  'dns-opt': "the session's DNS server answers the container's names, with the cluster's search path",
  'add-host': "the container shares the sidecar's /etc/hosts, which carries the pod's entries and HostAliases",
  'mac-address': SHARED_INTERFACE,
  ip: SHARED_INTERFACE,
  ip6: SHARED_INTERFACE,
  'link-local-ip': SHARED_INTERFACE,
  link: "links need a network of the container's own; it shares the sidecar's",
  'network-alias': "network aliases need a network of the container's own; it shares the sidecar's",
  'net-alias': "network aliases need a network of the container's own; it shares the sidecar's",
  expose: "docker cannot expose ports of a container in another's network; use telepresence's --expose PORT before --docker-run",
  'publish-all':
    "docker cannot publish ports of a container in another's network, and the sidecar does not know the image's ports; " +
    'publish each with -p HOSTPORT:PORT (it moves to the sidecar)',
};

/** Go's strconv.ParseBool, which docker's flag library uses for `--rm=false`; null for anything else. */
function parseBool(text: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return null;
}

/** One flag as parsed: its long name, how the user wrote it (for messages), its value if any. */
interface Flag {
  readonly name: string;
  readonly given: string;
  readonly value: string | null;
}

/** Splits the arguments after --docker-run; throws UsageError for a flag that cannot work here or a missing image. */
export function splitDockerRunArgs(dockerRunArgs: readonly string[]): DockerRunSplit {
  const argv = [...dockerRunArgs];
  const sidecarPublish: string[] = [];
  const userFlags: string[] = [];
  let interactive = false;
  let tty = false;
  let init = false;
  let detach = false;
  let name: string | null = null;

  /** Records one flag; true when it stays with the user's container, false when it moved to the sidecar. */
  const take = (flag: Flag): boolean => {
    const reason = REFUSED[flag.name];
    if (reason !== undefined) {
      throw new UsageError(`--docker-run: ${flag.given} cannot be used with the container method: ${reason}`, { value: flag.given });
    }
    const on = flag.value === null ? true : (parseBool(flag.value) ?? true); // a bad boolean: docker says so
    switch (flag.name) {
      case 'publish':
        sidecarPublish.push(flag.value ?? '');
        return false;
      case 'interactive':
        interactive = on;
        break;
      case 'tty':
        tty = on;
        break;
      case 'detach':
        detach = on;
        break;
      case 'init':
        init = true;
        break;
      case 'name':
        name = flag.value;
        break;
    }
    return true;
  };
  const valueAfter = (i: number, given: string): string => {
    if (i + 1 >= argv.length) throw new UsageError(`--docker-run: ${given} needs a value ${USAGE}`, { value: given });
    return argv[i + 1]!;
  };

  let i = 0;
  for (; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      i++;
      break;
    }
    if (token === '-' || !token.startsWith('-')) break; // the first non-flag is the image
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const long = eq < 0 ? token.slice(2) : token.slice(2, eq);
      const given = `--${long}`;
      let value = eq < 0 ? null : token.slice(eq + 1);
      const tokens = [token];
      // A flag the table does not know is taken as a boolean and passed through: docker itself will judge it.
      if (value === null && takesValue(long)) {
        value = valueAfter(i, given);
        tokens.push(value);
        i++;
      }
      if (take({ name: long, given, value })) userFlags.push(...tokens);
      continue;
    }
    // A bundle of one-letter flags (-it, -itd, -eFOO=1, -itp 8080:80): booleans, then at most one value flag,
    // whose value is the rest of the token (after an optional '=') or the next argument.
    const letters = token.slice(1);
    const tokens = [token];
    let moved: number | null = null; // where -p starts in the bundle, if it does
    for (let j = 0; j < letters.length; j++) {
      const letter = letters[j]!;
      const long = SHORT_FLAGS[letter];
      const given = long === undefined ? `-${letter}` : `-${letter} (--${long})`;
      if (long === undefined) continue; // unknown: passed through as a boolean, docker will judge it
      const rest = letters.slice(j + 1);
      const attached = rest.startsWith('=') ? rest.slice(1) : rest;
      if (takesValue(long)) {
        let value = attached;
        if (rest === '') {
          value = valueAfter(i, given);
          tokens.push(value);
          i++;
        }
        if (!take({ name: long, given, value })) moved = j;
        break;
      }
      const ends = rest.startsWith('='); // -i=false: the value ends the bundle
      take({ name: long, given, value: ends ? attached : null });
      if (ends) break;
    }
    if (moved === null) userFlags.push(...tokens);
    else if (moved > 0) userFlags.push(`-${letters.slice(0, moved)}`);
  }

  const image = argv[i];
  if (image === undefined || image === '') throw new UsageError(`--docker-run: no image given ${USAGE}`);
  return { sidecarPublish, userFlags, image, args: argv.slice(i + 1), interactive, tty, init, detach, name };
}

/** The sidecar's own run: the method's flags (-d, labels, hostname, DNS, hosts), its name, its image and arguments. */
export interface SidecarRunSettings {
  /** The sidecar container's name; the user's container joins its network. */
  readonly sidecarName: string;
  readonly sidecarImage: string;
  readonly sidecarFlags: readonly string[];
  readonly sidecarArgs: readonly string[];
}

/** What the method adds around the user's arguments for the user's container. */
export interface UserRunSettings {
  /** The container whose network the user's container joins. */
  readonly sidecarName: string;
  /** The pod's environment (VNAT-translated when VNAT is on), then the TELEPRESENCE_* variables. */
  readonly podEnv: Readonly<Record<string, string>>;
  readonly telepresenceEnv: Readonly<Record<string, string>>;
  /** The method's own flags for the user's container (labels, the volumes' bind mount), before the user's. */
  readonly userContainerFlags?: readonly string[];
  /** A name for the user's container when the user gave no --name, so the journal can find and remove it. */
  readonly userContainerName?: string;
}

/** The docker CLI reads these itself: their values for the container are passed as KEY=VALUE, not taken from the CLI's environment. */
function cliReads(name: string): boolean {
  return /^(DOCKER_|BUILDKIT_|XDG_)/.test(name) || ['HOME', 'PATH', 'TMPDIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'].includes(name);
}

/** The sidecar's `docker` argv (starting with 'run'). The user's -p flags are not on it: the session publishes them. */
export function sidecarRunArgv(settings: SidecarRunSettings): string[] {
  return ['run', ...settings.sidecarFlags, '--name', settings.sidecarName, settings.sidecarImage, ...settings.sidecarArgs];
}

/**
 * The user's container's `docker` argv (starting with 'run'), and `cliEnv`, what its docker CLI must have in
 * its environment: the container's variables go as `-e NAME` with their values there (no secrets on a
 * command line, any value, newlines included), except the few the CLI reads itself, which go as `-e NAME=VALUE`.
 */
export function userRunArgv(split: DockerRunSplit, settings: UserRunSettings): { user: string[]; cliEnv: Record<string, string> } {
  const cliEnv: Record<string, string> = {};
  const env = (vars: Readonly<Record<string, string>>) =>
    Object.entries(vars).flatMap(([k, v]) => {
      if (cliReads(k)) return ['-e', `${k}=${v}`];
      cliEnv[k] = v;
      return ['-e', k];
    });
  // The user's own -e come after ours: docker keeps the last value of a name, so the user's choice wins.
  const user = [
    'run',
    '--network',
    `container:${settings.sidecarName}`,
    ...(split.init ? [] : ['--init']),
    ...(split.name === null && settings.userContainerName !== undefined ? ['--name', settings.userContainerName] : []),
    ...(settings.userContainerFlags ?? []),
    ...env(settings.podEnv),
    ...env(settings.telepresenceEnv),
    ...split.userFlags,
    split.image,
    ...split.args,
  ];
  return { user, cliEnv };
}
