import { expect } from 'chai';
import { parsePublish } from '../../../methods/container/publish-spec.js';
import { UsageError } from '../../../src/errors.js';

describe('container method: -p values the session publishes', () => {
  const cases: { spec: string; want: [string, number, number][] }[] = [
    { spec: '80', want: [['127.0.0.1', 0, 80]] },
    { spec: '18080:80', want: [['127.0.0.1', 18080, 80]] },
    { spec: '18080:80/tcp', want: [['127.0.0.1', 18080, 80]] },
    { spec: '18080:80/TCP', want: [['127.0.0.1', 18080, 80]] },
    { spec: '127.0.0.2:18080:80', want: [['127.0.0.2', 18080, 80]] },
    { spec: '0.0.0.0::80', want: [['0.0.0.0', 0, 80]] },
    { spec: '[::1]:18080:80', want: [['::1', 18080, 80]] },
    { spec: '8080-8082:80-82', want: [['127.0.0.1', 8080, 80], ['127.0.0.1', 8081, 81], ['127.0.0.1', 8082, 82]] },
    { spec: '80-81', want: [['127.0.0.1', 0, 80], ['127.0.0.1', 0, 81]] },
  ];
  for (const c of cases) {
    it(`reads -p ${c.spec}`, () => {
      expect(parsePublish(c.spec).map((p) => [p.address, p.hostPort, p.containerPort])).to.deep.equal(c.want);
    });
  }

  const bad: [string, string][] = [
    ['53:53/udp', '--docker-run: -p 53:53/udp: only TCP ports can be published with the container method (the session relays them into the container\'s network)'],
    ['8080:http', '--docker-run: -p 8080:http: "http" is not a port or a range of ports from 1 to 65535 (use -p [IP:][HOSTPORT:]PORT)'],
    ['70000:80', '--docker-run: -p 70000:80: "70000" is not a port or a range of ports from 1 to 65535 (use -p [IP:][HOSTPORT:]PORT)'],
    ['8080-8081:80', '--docker-run: -p 8080-8081:80: the host range 8080-8081 and the container range 80 differ in length'],
    ['1:2:3:4', '--docker-run: -p 1:2:3:4: not of the form [IP:][HOSTPORT:]PORT[/tcp]'],
    ['', '--docker-run: -p : "" is not a port or a range of ports from 1 to 65535 (use -p [IP:][HOSTPORT:]PORT)'],
  ];
  for (const [spec, text] of bad) {
    it(`refuses -p ${JSON.stringify(spec)}`, () => {
      let err: unknown;
      try {
        parsePublish(spec);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(UsageError);
      expect((err as Error).message).to.equal(text);
    });
  }
});
