// `telepresence plan`: the routing plan a session would apply, computed from the given cluster
// subnets, the route table (live or --route-table FILE), the config and the routing flags. Changes nothing.
import type { ArgumentParser, Namespace } from 'argparse';
import { applyRoutingFlags, type Config } from '../config/index.js';
import { readBoundedText, readFailure } from '../config/read-file.js';
import { planRoutes, parseCidr } from '../engine/index.js';
import type { HostRoute, Plan } from '../engine/types.js';
import { EXIT_CODES, UsageError } from '../errors.js';
import { parseIpRouteJson, RouteJsonError } from '../host/ip-route-json.js';
import { createRouteTable } from '../host/route-table.js';
import { discoverSubnets, resolveClusterTarget } from '../kube/index.js';
import type { Io } from './io.js';
import { createParser, quote } from './parser-base.js';
import { formatPlan } from './plan-output.js';
import { addRoutingFlags, asFlagError, resolveRoutingFlags } from './routing-flags.js';

const DESCRIPTION = `Print, changing nothing, how a session would route the cluster's subnets: for each
subnet where it came from, the workstation route it conflicts with, and the action
(route, vnat, allowed-conflict, never-proxy, covered). Exit status 0 when the plan
can be applied, 1 when a conflict is left unresolved (the errors name it).`;

export function createPlanParser(): ArgumentParser {
  const parser = createParser({ prog: 'telepresence plan', description: DESCRIPTION });
  const cluster = parser.add_argument_group({ title: "the cluster's subnets" });
  cluster.add_argument('--service-subnet', {
    dest: 'service_subnet',
    metavar: 'CIDR',
    action: 'append',
    default: [],
    help: "The cluster's service subnet. Repeatable.",
  });
  cluster.add_argument('--pod-subnet', {
    dest: 'pod_subnet',
    metavar: 'CIDR',
    action: 'append',
    default: [],
    help: "A pod subnet of the cluster. Repeatable.",
  });
  cluster.add_argument('--context', { help: "Without --service-subnet and --pod-subnet, ask this context's cluster (default: kubectl's current context)." });
  cluster.add_argument('--namespace', { help: 'The namespace where discovery probes for the service subnet (default: the context\'s).' });
  const routing = parser.add_argument_group({ title: 'routing' });
  addRoutingFlags(
    routing,
    'Also route this IP or CIDR (hostnames are resolved in the cluster, so only during a session). Repeatable.',
  );
  const input = parser.add_argument_group({ title: 'input and output' });
  input.add_argument('--route-table', {
    dest: 'route_table',
    metavar: 'FILE',
    help: "Read the workstation's routes from FILE (what 'ip -j route show table all' prints) instead of the live table.",
  });
  input.add_argument('--config', { metavar: 'FILE', help: 'Read this config file instead of the default one.' });
  input.add_argument('--json', {
    action: 'store_true',
    help: 'Print the plan as JSON: {virtualSubnet, subnets: [{cidr, source, action, conflictsWith, via}], errors}.',
  });
  return parser;
}

function cidrsOf(flag: string, values: string[]): string[] {
  return values.map((value) => {
    try {
      return parseCidr(value);
    } catch (err) {
      return asFlagError(flag, err);
    }
  });
}

export function readRouteTableFile(file: string): HostRoute[] {
  let text: string;
  try {
    text = readBoundedText(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : readFailure(err);
    throw new UsageError(`argument --route-table: ${quote(file)}: ${why}`);
  }
  try {
    return parseIpRouteJson(text);
  } catch (err) {
    // Anything else thrown here is a bug of the parser and is reported as one.
    if (!(err instanceof RouteJsonError)) throw err;
    const entry = err.index === null ? '' : `route [${err.index}]: `;
    throw new UsageError(
      `argument --route-table: ${quote(file)}: not what 'ip -j route show table all' prints: ${entry}${err.message}`,
    );
  }
}

export interface PlanRequest {
  readonly args: Namespace;
  readonly config: Config;
}

/** Parse the plan command line; the caller loads the config named by `args.config`. */
export function parsePlanArgs(argv: string[]): Namespace {
  return createPlanParser().parse_args(argv);
}

/** The subnets given on the command line, else those discovered in the cluster (with the API server's IPs). */
async function clusterSubnets(args: Namespace, config: Config): Promise<{ serviceSubnets: string[]; podSubnets: string[]; apiServerIps: string[] }> {
  const serviceSubnets = cidrsOf('--service-subnet', args.service_subnet as string[]);
  const podSubnets = cidrsOf('--pod-subnet', args.pod_subnet as string[]);
  if (serviceSubnets.length + podSubnets.length > 0) return { serviceSubnets, podSubnets, apiServerIps: [] };
  const target = await resolveClusterTarget({
    context: (args.context as string | null) ?? undefined, namespace: (args.namespace as string | null) ?? undefined,
    timeoutMs: config.timeouts.clusterConnectMs,
  });
  const found = await discoverSubnets(target);
  return { ...found, apiServerIps: target.apiServerIps };
}

export async function runPlan({ args, config }: PlanRequest, io: Io): Promise<number> {
  const routing = resolveRoutingFlags(args);
  if (routing.alsoProxy.hostnames.length > 0) {
    const name = routing.alsoProxy.hostnames[0];
    throw new UsageError(
      `argument --also-proxy: ${quote(name)}: a hostname is resolved inside the cluster, which plan does not reach; ` +
        'give its IP address or CIDR instead',
    );
  }
  const { serviceSubnets, podSubnets, apiServerIps } = await clusterSubnets(args, config);
  const routes = args.route_table ? readRouteTableFile(args.route_table as string) : await createRouteTable().read();
  const effective = applyRoutingFlags(config, routing);
  const plan: Plan = planRoutes({
    serviceSubnets,
    podSubnets,
    alsoProxy: [...routing.alsoProxy.cidrs],
    apiServerIps,
    vnat: [...routing.vnat],
    routing: effective.routing,
    routes,
  });
  io.stdout(args.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
  for (const error of plan.errors) io.stderr(`telepresence: error: ${error}\n`);
  return plan.errors.length > 0 ? EXIT_CODES.conflict : 0;
}
