// Commands that act inside another network namespace: `ip -n NAME` for a named one (/run/netns/NAME),
// else `nsenter --net=PATH` (a container's /proc/PID/ns/net). The route table reader and the VIF use it.

/** The command line that runs `file args` inside the network namespace of nsPath. */
export function netnsCommand(nsPath: string, file: string, args: readonly string[]): { file: string; args: string[] } {
  const named = /^\/run\/netns\/([^/]+)$/.exec(nsPath);
  if (named && file === 'ip') return { file: 'ip', args: ['-n', named[1], ...args] };
  return { file: 'nsenter', args: [`--net=${nsPath}`, file, ...args] };
}

/** The `ip` command line that acts inside the network namespace of nsPath. */
export function netnsIpCommand(nsPath: string, args: readonly string[]): { file: string; args: string[] } {
  return netnsCommand(nsPath, 'ip', args);
}
