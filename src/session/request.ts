// Step 1: the checks of the request that need nothing but this machine — the method can run here, the
// flags given are available with it (`Feature X not supported with method Y`),
// the command exists. Nothing is changed. (--local-cluster is acted on once the cluster is known: local-cluster.ts.)
import type { SessionOptions } from '../config/index.js';
import { UnsupportedError, UsageError } from '../errors.js';
import { featureNotSupported, type Method, type MethodFeatures } from '../../methods/method.js';
import { whichCommand } from '../../methods/preload-reach.js';
import { checkMountPath } from './mount.js';
import type { Session } from './session.js';

interface FlagNeed {
  flag: string;
  given(o: SessionOptions): boolean;
  needs: keyof MethodFeatures;
}

/** Flags that only some methods can act on, and the feature they need. */
const FLAG_NEEDS: readonly FlagNeed[] = [
  { flag: '--vnat', given: (o) => o.routing.vnat.some((v) => v.via === 'local'), needs: 'routesSubnets' },
  { flag: '--proxy-via', given: (o) => o.routing.vnat.some((v) => v.via !== 'local'), needs: 'routesSubnets' },
  { flag: '--allow-conflicting-subnets', given: (o) => o.routing.allowConflictingSubnets.length > 0, needs: 'routesSubnets' },
  { flag: '--container-to-host', given: (o) => o.containerToHost.length > 0, needs: 'containers' },
  { flag: '--docker-host', given: (o) => o.dockerHost !== null, needs: 'containers' },
];

export function checkRequest(s: Session): Method {
  const { options } = s;
  const method = s.deps.methodFor(options.method);
  method.checkOptions?.(options, s.env); // pure checks of the flags first: they are wrong on any machine
  const unsupported = method.checkSupported();
  if (unsupported instanceof Error) throw unsupported;
  if (unsupported) throw new UnsupportedError(unsupported);
  for (const need of FLAG_NEEDS) {
    if (need.given(options) && !method.features[need.needs]) throw new UnsupportedError(featureNotSupported(need.flag, method.name));
  }
  if (options.run.kind === 'command' && !whichCommand(options.run.argv[0], s.env.PATH ?? '')) {
    throw new UsageError(`--run: command not found: ${options.run.argv[0]} (not on PATH)`);
  }
  checkMountPath(options.mount);
  return method;
}
