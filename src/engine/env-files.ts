// The user process's environment and Telepresence 1's --env-json / --env-file formats. Pure.

/** Variables of the pod that describe the pod itself, not its workload (Telepresence 1 dropped them). */
export const POD_ONLY_VARIABLES = ['HOME', 'PATH', 'HOSTNAME'] as const;

export interface TelepresenceVariables {
  pod: string;
  container: string;
  method: string;
  /** Colon-separated mount points of the pod, under `root`. */
  mounts: string;
  root: string;
}

/** A process environment without its unset names (what child_process and docker's CLI are given). */
export function definedEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** The pod's environment minus HOME, PATH and HOSTNAME, plus the TELEPRESENCE_* variables. */
export function clusterEnvironment(podEnv: Record<string, string>, tp: TelepresenceVariables): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(podEnv)) {
    if (!(POD_ONLY_VARIABLES as readonly string[]).includes(key)) env[key] = value;
  }
  env.TELEPRESENCE_POD = tp.pod;
  env.TELEPRESENCE_CONTAINER = tp.container;
  env.TELEPRESENCE_METHOD = tp.method;
  env.TELEPRESENCE_MOUNTS = tp.mounts;
  env.TELEPRESENCE_ROOT = tp.root;
  return env;
}

function sortedEntries(env: Record<string, string>): [string, string][] {
  return Object.keys(env).sort().map((k) => [k, env[k]]);
}

/** `--env-json`: sorted keys, indent 4 (Python's json.dump(sort_keys=True, indent=4)). */
export function formatEnvJson(env: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(sortedEntries(env)), null, 4) + '\n';
}

/** `--env-file`: Compose's KEY=VALUE lines, sorted; a value with a newline cannot be written and is reported. */
export function formatEnvFile(env: Record<string, string>): { text: string; skipped: string[] } {
  const lines: string[] = [];
  const skipped: string[] = [];
  for (const [key, value] of sortedEntries(env)) {
    if (value.includes('\n')) skipped.push(key);
    else lines.push(`${key}=${value}`);
  }
  return { text: lines.map((l) => l + '\n').join(''), skipped };
}
