// What client-node throws, in one line: the Status message of HTTP errors, the OS error of transport failures.
import { expect } from 'chai';

import { apiFailure, isAlreadyExists, isNotFound } from '../../../src/kube/api-errors.js';

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });

describe('kube/api-errors', () => {
  const cases: Array<[string, unknown, ReturnType<typeof apiFailure>]> = [
    ['Status body as a string', { code: 404, body: status(404, 'NotFound', 'namespaces "x" not found') },
      { code: 404, reason: 'NotFound', message: 'namespaces "x" not found' }],
    ['Status body as an object', { code: 409, body: { reason: 'AlreadyExists', message: 'deployments.apps "p" already exists' } },
      { code: 409, reason: 'AlreadyExists', message: 'deployments.apps "p" already exists' }],
    ['plain text body', { code: 502, body: 'Bad Gateway\n' }, { code: 502, reason: undefined, message: 'Bad Gateway' }],
    ['empty body', { code: 500, body: '' }, { code: 500, reason: undefined, message: 'HTTP 500' }],
    ['fetch failure with an OS cause', Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) }),
      { message: 'connect ECONNREFUSED 127.0.0.1:9' }],
    ['fetch failure, nested causes', Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('outer'), { cause: new Error('self-signed certificate') }) }),
      { message: 'self-signed certificate' }],
    ['fetch failure without cause', new TypeError('fetch failed'), { message: 'fetch failed' }],
    ['an errno code is no HTTP code', Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }), { message: 'getaddrinfo ENOTFOUND x' }],
  ];
  for (const [name, err, want] of cases) it(name, () => expect(apiFailure(err)).to.deep.equal(want));

  it('isNotFound / isAlreadyExists', () => {
    expect([isNotFound({ code: 404 }), isNotFound({ code: 409 }), isAlreadyExists({ code: 409 }), isAlreadyExists(new Error('x'))]).to.deep.equal([true, false, true, false]);
  });
});
