// What an exec's Status says about the command: its exit code, or why it never ran.
import { expect } from 'chai';
import type { V1Status } from '@kubernetes/client-node';

import { execOutcome } from '../../../src/kube/pod-exec.js';

describe('kube/pod-exec execOutcome', () => {
  const cases: Array<[string, V1Status, ReturnType<typeof execOutcome>]> = [
    ['Success', { status: 'Success' }, { exitCode: 0 }],
    ['NonZeroExitCode', { status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code: command terminated with exit code 4',
      details: { causes: [{ reason: 'ExitCode', message: '4' }] } }, { exitCode: 4 }],
    ['a command that never ran', { status: 'Failure', reason: 'InternalError', message: 'Internal error occurred: error executing command in container: '
      + 'OCI runtime exec failed: exec failed: unable to start container process: exec: "telepresence-podinfo": executable file not found in $PATH: unknown' },
    { exitCode: null, failure: 'Internal error occurred: error executing command in container: OCI runtime exec failed: exec failed: unable to start container process: '
      + 'exec: "telepresence-podinfo": executable file not found in $PATH: unknown' }],
    ['a Failure without a message', { status: 'Failure', reason: 'InternalError' }, { exitCode: null, failure: 'InternalError' }],
  ];
  for (const [what, status, want] of cases) it(what, () => expect(execOutcome(status)).to.deep.equal(want));
});
