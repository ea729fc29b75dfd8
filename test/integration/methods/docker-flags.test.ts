// The container method's docker flag table (methods/container/docker-flags.ts, from Debian's docker.io
// `docker run --help`) against the docker CLIs installed here: if the package changes, this says which
// flags moved. At least one CLI must be there (.ci/install-packages installs docker.io).
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isKnownBoolean, takesValue } from '../../../methods/container/docker-flags.js';

describe('container method: the flag table against the installed docker run --help', () => {
  const clis = ['/usr/bin/docker', '/usr/local/bin/docker'].filter((p) => existsSync(p));
  it('a docker CLI is installed', () => expect(clis).to.not.deep.equal([]));
  for (const docker of clis) {
    it(`${docker}: every flag with a value takes one, every boolean does not`, () => {
      const help = execFileSync(docker, ['run', '--help'], { encoding: 'utf8' });
      const rows = [...help.matchAll(/^\s+(?:-\w, )?--([a-z0-9-]+)( [a-z0-9-]+)?\s{2,}/gm)];
      expect(rows.length).to.be.greaterThan(90);
      const wrong = rows.filter(([, name, type]) => takesValue(name!) !== (type !== undefined) || (type === undefined && !isKnownBoolean(name!)));
      expect(wrong.map(([, name]) => name)).to.deep.equal([]);
    });
  }
});
