// kubelet's texts: the dial error in Go's words, the port header and the WebSocket `ports` checks.
import { expect } from 'chai';
import { forwardErrorText, goDialErrorText, parsePortsQuery, portHeaderProblem } from '../../../cluster/portforward/messages.js';

describe('portforward messages', () => {
  const dialErrors: [unknown, string][] = [
    [Object.assign(new Error('connect ECONNREFUSED 10.132.0.5:8080'), { code: 'ECONNREFUSED', address: '10.132.0.5', port: 8080 }),
      'dial tcp4 10.132.0.5:8080: connect: connection refused'],
    [new Error('connect ECONNREFUSED 127.0.0.1:9'), 'dial tcp4 127.0.0.1:9: connect: connection refused'],
    [new Error('connect EHOSTUNREACH 10.132.0.9:80'), 'dial tcp4 10.132.0.9:80: connect: no route to host'],
    [Object.assign(new Error('x'), { code: 'ETIMEDOUT', address: 'fd00::5', port: 80 }), 'dial tcp6 [fd00::5]:80: connect: connection timed out'],
    [new Error('pod has no IP yet'), 'pod has no IP yet'],
    ['plain string', 'plain string'],
  ];
  for (const [err, text] of dialErrors) {
    it(`says ${JSON.stringify(text)}`, () => expect(goDialErrorText(err)).to.equal(text));
  }

  it('wraps it as kubelet does, with the sandbox id and an empty uid', () => {
    expect(forwardErrorText(8080, 'abc123', new Error('connect ECONNREFUSED 10.132.0.5:8080')))
      .to.equal('error forwarding port 8080 to pod abc123, uid : dial tcp4 10.132.0.5:8080: connect: connection refused');
  });

  const ports: [string | undefined, string | null][] = [
    [undefined, '"port" header is required'],
    ['', '"port" header is required'],
    ['http', 'unable to parse "http" as a port: strconv.ParseUint: parsing "http": invalid syntax'],
    ['65536', 'unable to parse "65536" as a port: strconv.ParseUint: parsing "65536": value out of range'],
    ['0', 'port "0" must be > 0'],
    ['8080', null],
  ];
  for (const [value, problem] of ports) {
    it(`port header ${JSON.stringify(value)} -> ${problem}`, () => expect(portHeaderProblem(value)).to.equal(problem));
  }

  const queries: [string[], number[] | string][] = [
    [['8080'], [8080]],
    [['80,443', '9000'], [80, 443, 9000]],
    [[], 'query parameter "port" is required'],
    [[''], 'query parameter "port" cannot be empty'],
    [['80,x'], 'unable to parse "80,x" as a port: strconv.ParseUint: parsing "x": invalid syntax'],
    [['0'], 'port "0" must be > 0'],
  ];
  for (const [values, result] of queries) {
    it(`ports=${JSON.stringify(values)} -> ${JSON.stringify(result)}`, () => expect(parsePortsQuery(values)).to.deep.equal(result));
  }
});
