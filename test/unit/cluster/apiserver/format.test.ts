// Texts the API server renders: AGE durations, the pod STATUS column, Status error messages.
import { expect } from 'chai';
import { humanDuration } from '../../../cluster/apiserver/age.js';
import { podStatus } from '../../../cluster/apiserver/columns.js';
import { alreadyExists, conflict, goStringSlice, invalid, notFound } from '../../../cluster/apiserver/status.js';
import { safeEncode, fnv32a } from '../../../cluster/apiserver/controllers/hash.js';
import { parseResourcePath } from '../../../cluster/apiserver/server.js';

describe('apiserver texts', () => {
  const durations: [number, string][] = [
    [0, '0s'], [59_000, '59s'], [119_000, '119s'], [120_000, '2m'], [150_000, '2m30s'], [600_000, '10m'],
    [179 * 60_000, '179m'], [3 * 3600_000, '3h'], [3 * 3600_000 + 5 * 60_000, '3h5m'], [30 * 3600_000, '30h'],
    [50 * 3600_000, '2d2h'], [10 * 86400_000, '10d'], [800 * 86400_000, '2y'],
  ];
  for (const [ms, text] of durations) it(`AGE of ${ms} ms is ${text}`, () => expect(humanDuration(ms)).to.equal(text));

  const pod = (status: object, extra: object = {}) => ({ metadata: { name: 'p', ...extra }, spec: { containers: [{ name: 'c' }] }, status });
  const statuses: [string, object, object, string][] = [
    ['pending', { phase: 'Pending' }, {}, 'Pending'],
    ['waiting', { phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ErrImageNeverPull' } } }] }, {}, 'ErrImageNeverPull'],
    ['crash loop', { phase: 'Running', containerStatuses: [{ name: 'c', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, {}, 'CrashLoopBackOff'],
    ['running', { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, state: { running: {} } }] }, {}, 'Running'],
    ['completed', { phase: 'Succeeded', containerStatuses: [{ name: 'c', state: { terminated: { reason: 'Completed', exitCode: 0 } } }] }, {}, 'Completed'],
    ['exit code', { phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 2 } } }] }, {}, 'ExitCode:2'],
    ['terminating', { phase: 'Running' }, { deletionTimestamp: '2026-01-01T00:00:00Z' }, 'Terminating'],
  ];
  for (const [name, status, meta, want] of statuses) {
    it(`pod STATUS column: ${name} -> ${want}`, () => expect(podStatus(pod(status, meta)).reason).to.equal(want));
  }

  it('renders Status messages as the API server does', () => {
    expect(notFound({ group: '', resource: 'pods' }, 'x').message).to.equal('pods "x" not found');
    expect(notFound({ group: 'apps', resource: 'deployments' }, 'x').message).to.equal('deployments.apps "x" not found');
    expect(alreadyExists({ group: '', resource: 'configmaps' }, 'c').toStatus()).to.deep.equal({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "c" already exists', reason: 'AlreadyExists', code: 409,
      details: { name: 'c', group: undefined, kind: 'configmaps' },
    });
    expect(conflict({ group: '', resource: 'pods' }, 'p', 'the object has been modified').message)
      .to.equal('Operation cannot be fulfilled on pods "p": the object has been modified');
    const e = invalid('Service', '', 's', [{ field: 'spec.clusterIPs', type: 'FieldValueInvalid', value: goStringSlice(['1.2.3.4']), detail: 'bad' }]);
    expect([e.code, e.reason, e.message]).to.deep.equal([422, 'Invalid', 'Service "s" is invalid: spec.clusterIPs: Invalid value: []string{"1.2.3.4"}: bad']);
    expect(e.details?.causes).to.deep.equal([{ reason: 'FieldValueInvalid', message: 'Invalid value: []string{"1.2.3.4"}: bad', field: 'spec.clusterIPs' }]);
    const two = invalid('Deployment', 'apps', 'd', [
      { field: 'spec.selector', type: 'FieldValueRequired', detail: '' },
      { field: 'spec.template.spec.containers', type: 'FieldValueRequired', detail: '' },
    ]);
    expect(two.message).to.equal('Deployment.apps "d" is invalid: [spec.selector: Required value, spec.template.spec.containers: Required value]');
  });

  it('writes pod-template-hash with the safe alphabet', () => {
    expect(fnv32a('')).to.equal(0x811c9dc5);
    expect(fnv32a('a')).to.equal(0xe40c292c);
    expect(safeEncode('0123456789')).to.equal('456789bcdf'); // why real hashes hold only 4-9, b, c, d, f
  });

  it('parses resource paths', () => {
    const r = (p: string) => {
      const x = parseResourcePath(p);
      return x && [x.info.resource, x.namespace, x.name, x.subresource];
    };
    expect(r('/api/v1/namespaces')).to.deep.equal(['namespaces', undefined, undefined, undefined]);
    expect(r('/api/v1/namespaces/ns')).to.deep.equal(['namespaces', undefined, 'ns', undefined]);
    expect(r('/api/v1/namespaces/ns/status')).to.deep.equal(['namespaces', undefined, 'ns', 'status']);
    expect(r('/api/v1/namespaces/ns/pods')).to.deep.equal(['pods', 'ns', undefined, undefined]);
    expect(r('/api/v1/namespaces/ns/pods/p/log')).to.deep.equal(['pods', 'ns', 'p', 'log']);
    expect(r('/apis/apps/v1/namespaces/ns/deployments/d/scale')).to.deep.equal(['deployments', 'ns', 'd', 'scale']);
    expect(r('/api/v1/nodes/tp-node/status')).to.deep.equal(['nodes', undefined, 'tp-node', 'status']);
    expect(r('/api/v1/namespaces/ns/nodes')).to.equal(undefined);
    expect(r('/apis/batch/v1/jobs')).to.equal(undefined);
  });
});
