// Lease MicroTime fields as the real API server parses them (exactly six fractional digits) and writes them (UTC).
import { expect } from 'chai';

import { parseMicroTime } from '../../../cluster/apiserver/resources/leases.js';

describe('cluster Lease MicroTime', () => {
  const layout = '"2006-01-02T15:04:05.000000Z07:00"';
  const cases: [string, string | { error: string }][] = [
    ['2026-01-02T03:04:05.123456Z', '2026-01-02T03:04:05.123456Z'],
    ['2026-01-02T05:04:05.123456+02:00', '2026-01-02T03:04:05.123456Z'],
    ['2026-01-02T03:04:05.123Z', { error: `parsing time "2026-01-02T03:04:05.123Z" as ${layout}: cannot parse ".123Z" as ".000000"` }],
    ['2026-01-02T03:04:05Z', { error: `parsing time "2026-01-02T03:04:05Z" as ${layout}: cannot parse "Z" as ".000000"` }],
    ['2020-02-28T20:11:41.636526400Z', { error: `parsing time "2020-02-28T20:11:41.636526400Z" as ${layout}: cannot parse "400Z" as "Z07:00"` }],
    ['yesterday', { error: `parsing time "yesterday" as ${layout}: cannot parse "yesterday" as "2006"` }],
  ];
  for (const [input, want] of cases) it(input, () => expect(parseMicroTime(input)).to.deep.equal(want));
});
