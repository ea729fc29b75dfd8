// The container method: the user's container joins the network namespace of a small sidecar container,
// and the session opens the VIF inside that namespace (src/vif startVif({ netns })): the cluster's
// subnets are routed there, names are answered there by the session's DNS resolver, and the host's
// routes, links, resolver and firewall are never touched. The plan is made against the namespace's
// own routes, so a VPN route on the host is no conflict. Both containers carry the session's label and
// are removed on every exit path, or by the next run after a SIGKILL (journal kind docker-containers).
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { definedEnvironment } from '../../src/engine/env-files.js';
import { translateEnvironment, tunRoutes } from '../../src/engine/index.js';
import { checkRecursion, podDnsLookup, readOriginalResolver, resolverLookup, WorkstationDns, listenWorkstationDns } from '../../src/dns/index.js';
import { PlatformError, UsageError } from '../../src/errors.js';
import { LinuxRouteTable } from '../../src/host/route-table-linux.js';
import { runChecked } from '../../src/host/command.js';
import { dialInNetns, forwardContainerToHost } from '../../src/inbound/netns.js';
import { startVif } from '../../src/vif/index.js';
import { clusterDnsPolicy, clusterDomainOf, planClusterRoutes, planVnat, watchMappedNamespaces } from '../cluster-routing.js';
import { namesRelay, proxyViaConnector, relayFirstLookup, unmatchedNamesLookup } from '../proxy-via.js';
import type { SessionOptions } from '../../src/config/session-options.js';
import type { InboundTarget, Method, MethodContext, PreflightContext, UserProcessLaunch } from '../method.js';
import { whichCommand } from '../preload-reach.js';
import { CONTAINERS_KIND, removeSessionContainers, sessionLabelArgs, type ContainersEntry } from './containers.js';
import { sidecarRunArgv, splitDockerRunArgs, userRunArgv, type DockerRunSplit } from './docker-args.js';
import { checkDockerEngine, engineAddress } from './docker-engine.js';
import { containerNetns, dockerEngineEnv } from './netns.js';
import { sidecarNetworkFlags } from './pod-network.js';
import { parsePublish, type Published } from './publish-spec.js';
import { publishIntoNetns } from './publish.js';
import { ensureSidecarImage, sidecarImage } from './sidecar-image.js';

/** The VIF's subnet inside the container's namespace (its own address, the DNS address, fake sources). */
const VIF_ADDRESS = '198.18.0.1/16';
const DNS_IP = '198.18.0.2';

/** The user's container: its --name, else one of the session's. */
function userContainerName(split: DockerRunSplit, sessionId: string): string {
  return split.name ?? `telepresence-${sessionId}`;
}

export class ContainerMethod implements Method {
  readonly name = 'container' as const;
  readonly features = { needsRoot: true, coversWholeHost: false, udp: false, containers: true, routesSubnets: true };
  private split: DockerRunSplit | null = null;
  private publishes: Published[] = [];
  private engineEnv: NodeJS.ProcessEnv = process.env;
  private nsPath = '';
  private userLaunch: UserProcessLaunch | null = null;

  checkSupported(): string | PlatformError | null {
    if (process.platform !== 'linux') return new PlatformError('the container method', process.platform, ['linux'], 'use --method inject-tcp');
    if (process.getuid?.() !== 0) return "the container method opens a TUN device in the container's network namespace: run telepresence as root (sudo)";
    if (!existsSync('/dev/net/tun')) return 'the container method needs a TUN device and /dev/net/tun does not exist: load the tun module (modprobe tun)';
    if (!whichCommand('docker', process.env.PATH ?? '')) return "the container method runs 'docker' and it is not on PATH: install the Docker CLI (apt-get install docker.io)";
    return null;
  }

  /** Bad --docker-run flags and a --docker-host that is no engine address fail before the cluster is asked. */
  checkOptions(options: SessionOptions, env: NodeJS.ProcessEnv): void {
    const { run } = options;
    if (run.kind !== 'docker') throw new UsageError("'--docker-run' is required when using '--method container'.");
    this.split = splitDockerRunArgs(run.dockerRunArgs);
    this.publishes = this.split.sidecarPublish.flatMap(parsePublish);
    this.engineEnv = dockerEngineEnv(env, options.dockerHost);
  }

  /** A stopped engine or a missing sidecar image fail here, before the proxy pod exists. */
  async preflight(ctx: PreflightContext): Promise<void> {
    if (!this.split) this.checkOptions(ctx.options, ctx.env);
    const version = await checkDockerEngine(this.engineEnv);
    ctx.log(`container: Docker engine ${version} at ${engineAddress(this.engineEnv)}`);
    await ensureSidecarImage(sidecarImage(ctx.env), this.engineEnv, ctx.log);
  }

  async prepare(ctx: MethodContext): Promise<void> {
    if (!this.split) this.checkOptions(ctx.options, ctx.env);
    const split = this.split!;
    const sidecarName = `telepresence-${ctx.sessionId}-net`;
    const dockerHost = this.engineEnv.DOCKER_HOST ?? '';
    const entry = ctx.journal.record<ContainersEntry>(CONTAINERS_KIND, { sessionId: ctx.sessionId, dockerHost });
    ctx.undo.push(`remove the containers of session ${ctx.sessionId}`, entry.settleAfter(async () => {
      const removed = await removeSessionContainers(ctx.sessionId, dockerHost);
      if (removed.length > 0) ctx.log(`container: removed ${removed.join(', ')}`);
    }));

    // The sidecar: the pod's hostname, hosts and search path, our DNS address; its namespace has no route to the cluster yet.
    const sidecar = sidecarRunArgv({
      sidecarName, sidecarImage: sidecarImage(ctx.env), sidecarArgs: [],
      sidecarFlags: ['-d', ...sessionLabelArgs(ctx.sessionId), ...sidecarNetworkFlags(ctx.pod, DNS_IP)],
    });
    const id = (await runChecked('docker', sidecar, { env: this.engineEnv })).trim();
    this.nsPath = await containerNetns(id, this.engineEnv);
    ctx.log(`container: sidecar ${sidecarName} (${id.slice(0, 12)}), network namespace ${this.nsPath}`);

    const pod = podDnsLookup(ctx.openPodStream, { port: ctx.podPorts.dns, timeoutMs: ctx.config.dns.lookupTimeoutMs });
    ctx.undo.push("close the stream to the pod's DNS server", () => pod.close());
    const plan = await planClusterRoutes(ctx, pod.lookup, await new LinuxRouteTable('ip', this.nsPath).read());
    const vnat = planVnat(plan);

    // Names: the cluster's through the pod, the rest through this workstation's own resolver.
    const namespaces = await watchMappedNamespaces(ctx, 'container');
    const domain = clusterDomainOf(ctx.pod.resolv);
    const original = await readOriginalResolver();
    const relay = namesRelay(ctx);
    if (relay !== undefined) ctx.log(`container: --proxy-via: names are resolved in ${relay.where} (A questions of cluster names by the relay's RESOLVE, other types by the proxy pod)`);
    const resolver = new WorkstationDns({
      policy: clusterDnsPolicy(ctx, namespaces.names, domain), clusterLookup: relayFirstLookup(relay, pod.lookup),
      unmatchedLookup: unmatchedNamesLookup(relay, vnat),
      originalLookup: original.lookup,
      translate: vnat.translate, isClusterIp: vnat.isClusterIp, lookupTimeoutMs: ctx.config.dns.lookupTimeoutMs, log: ctx.log,
    });
    namespaces.attach(resolver);
    // DNS over TCP (a truncated answer's retry) to the DNS address reaches the same resolver here, on the loopback.
    const tcpDns = await listenWorkstationDns(resolver, { host: '127.0.0.1', port: 0 }, ctx.log);
    ctx.undo.push(`stop the container's DNS over TCP on 127.0.0.1:${tcpDns.port}`, () => tcpDns.close());

    const dial = proxyViaConnector(ctx, vnat);
    const vif = await startVif({
      netns: this.nsPath, address: VIF_ADDRESS, routes: tunRoutes(plan), undo: ctx.undo, log: ctx.log, translate: vnat.toCluster,
      dns: {
        ip: DNS_IP,
        onDnsPacket: (query, reply) => {
          resolver.answerDnsPacket(query).then((answer) => answer && reply(answer), (err: unknown) => ctx.log(`container: DNS: ${String(err)}`));
        },
      },
      connect: async (ip, port) => {
        if (ip === DNS_IP && port === 53) return connect(tcpDns.port, '127.0.0.1');
        return dial(ip, port);
      },
    });
    ctx.log(`container: ${vif.name} in ${sidecarName} routes ${tunRoutes(plan).join(', ')}, DNS ${DNS_IP}`);
    ctx.journal.note?.({ routes: tunRoutes(plan), container: userContainerName(split, ctx.sessionId) });
    // Telepresence 2's check, asked the way the container asks: into our resolver and out its cluster path.
    ctx.log(`container: DNS recursion check: ${await checkRecursion(resolver, resolverLookup(resolver))}`);

    const published = await publishIntoNetns(this.nsPath, this.publishes, ctx.log);
    ctx.undo.push('stop publishing the container ports', () => published.close());
    for (const line of published.lines) ctx.progress(line);

    const toHost = ctx.options.containerToHost.map((m) => ({ containerPort: m.workstationPort, hostPort: m.podPort }));
    if (toHost.length > 0) {
      const forwarded = await forwardContainerToHost(this.nsPath, toHost, ctx.log);
      ctx.undo.push('stop forwarding the container ports to this host', () => forwarded.close());
      for (const m of toHost) ctx.log(`container: localhost:${m.containerPort} in the container reaches 127.0.0.1:${m.hostPort} here`);
    }

    this.userLaunch = this.userContainer(ctx, split, sidecarName, vnat.translate);
  }

  /** `docker run` of the user's container: the sidecar's network, the pod's environment (VNAT'd), the volumes. */
  private userContainer(ctx: MethodContext, split: DockerRunSplit, sidecarName: string, translate: (ip: string) => string | undefined): UserProcessLaunch {
    const podEnv: Record<string, string> = {};
    const tpEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(translateEnvironment({ ...ctx.pod.env }, translate))) (k.startsWith('TELEPRESENCE_') ? tpEnv : podEnv)[k] = v;
    const { root } = ctx.pod;
    const inContainer = ctx.options.dockerMount ?? root;
    tpEnv.TELEPRESENCE_ROOT = root ? inContainer : '';
    const userName = userContainerName(split, ctx.sessionId);
    const built = userRunArgv(split, {
      sidecarName, podEnv, telepresenceEnv: tpEnv,
      userContainerName: userName,
      userContainerFlags: [...sessionLabelArgs(ctx.sessionId), ...(root ? ['-v', `${root}:${inContainer}`] : [])],
    });
    const env = { ...definedEnvironment(this.engineEnv), ...built.cliEnv };
    if (!split.detach) return { argv: ['docker', ...built.user], env };
    // -d: docker run returns at once; the session lasts as long as the container and ends with its exit code.
    const script = 'docker "$@" >/dev/null || exit $?; code=$(docker wait "$0") || exit $?; exit "$code"';
    return { argv: ['sh', '-c', script, userName, ...built.user], env };
  }

  readonly inbound: InboundTarget = { where: "in the container's network namespace", dial: (port) => dialInNetns(this.nsPath, port) };

  wrap(launch: UserProcessLaunch): UserProcessLaunch {
    if (!this.userLaunch) throw new Error(`the container method was not prepared before ${launch.argv.join(' ')}`);
    return this.userLaunch;
  }
}
