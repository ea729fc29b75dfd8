// The real parts a session talks to: the cluster (src/kube), the tunnel (src/tunnel), the methods,
// the user process, sshfs, the journal directory and the host's repairers. Unit tests pass fakes instead.
import { missingFusePiece } from '../host/fuse.js';
import { resolverRepairer } from '../host/resolver.js';
import { mountPodRoot, mountRepairer } from '../inbound/mount.js';
import { openCluster } from '../kube/index.js';
import { connectToProxy } from '../tunnel/connect.js';
import { portForwardRepairer } from '../tunnel/port-forward.js';
import { generateSessionKey } from '../tunnel/session-key.js';
import { methodFor, methodRepairers } from '../../methods/registry.js';
import { journalDir } from './journal.js';
import type { SessionDeps } from './session.js';
import { UserProcess } from './user-process.js';

export function defaultDeps(env: NodeJS.ProcessEnv): SessionDeps {
  return {
    openCluster,
    connect: (cluster, podName, key, timeouts, journal) => connectToProxy(cluster, podName, key, timeouts, journal),
    methodFor,
    startUserProcess: (launch) => UserProcess.start(launch),
    generateKey: generateSessionKey,
    volumes: { missing: missingFusePiece, mount: mountPodRoot },
    journalDir: journalDir(env),
    hostRepairers: [portForwardRepairer, resolverRepairer, mountRepairer, ...methodRepairers],
  };
}
