// The instances of the local test cluster on this machine, seen from one of them: which are up (their node
// namespace exists), which guard routes they still need, and who stops a dockerd that one of them started.
import fs from 'node:fs';

import { type ClusterInstance, INSTANCE_NUMBERS, clusterInstance, instanceLabel } from '../instance.js';
import { type ClusterSettings, instanceStateDir, readSettings, statePaths } from '../state.js';
import { guardSubnets } from './host-network.js';
import { run } from './run.js';

export interface InstanceUp {
  readonly inst: ClusterInstance;
  readonly dir: string;
  readonly settings: ClusterSettings;
}

function allInstances(): ClusterInstance[] {
  return [clusterInstance(''), ...INSTANCE_NUMBERS.map((n) => clusterInstance(String(n)))];
}

/** Every instance whose node namespace exists (up, or half up: then it still needs its guard routes). */
export async function instancesUp(): Promise<InstanceUp[]> {
  const names = new Set((await run('ip', ['netns', 'list'])).split('\n').map((line) => line.split(' ')[0]));
  return allInstances().filter((inst) => names.has(inst.netns)).map((inst) => {
    const dir = instanceStateDir(inst);
    return { inst, dir, settings: readSettings(dir) };
  });
}

export async function otherInstancesUp(self: ClusterInstance): Promise<InstanceUp[]> {
  return (await instancesUp()).filter((i) => i.inst.name !== self.name);
}

/** The guard subnets the others need: a `down` leaves these routes in place. */
export function guardedBy(others: readonly InstanceUp[]): Set<string> {
  return new Set(others.flatMap((o) => guardSubnets(o.settings)));
}

/**
 * The dockerd this instance started (its pid file) serves the others' pods too: instead of stopping it, the pid
 * file moves to the first other instance, whose `down` stops it then. Returns that instance.
 */
export function handOverDockerd(dir: string, others: readonly InstanceUp[]): InstanceUp | undefined {
  const from = statePaths(dir).pidFile('dockerd');
  const to = others[0];
  if (!to || !fs.existsSync(from)) return undefined;
  fs.mkdirSync(to.dir, { recursive: true, mode: 0o700 });
  fs.copyFileSync(from, statePaths(to.dir).pidFile('dockerd'));
  fs.rmSync(from, { force: true });
  return to;
}

/** The `status` line naming the instances that are up. */
export function instancesLine(up: readonly InstanceUp[]): string {
  if (up.length === 0) return 'instances up: none';
  return `instances up: ${up.map((u) => `${instanceLabel(u.inst)} (context ${u.inst.context}, ${statePaths(u.dir).kubeconfig})`).join(', ')}`;
}

/** How to run a cluster command for this instance, for error texts. */
export function clusterCommand(inst: ClusterInstance, verb: string): string {
  return `npm run cluster -- ${verb}${inst.name === '' ? '' : ` --instance ${inst.name}`}`;
}
