// The layers of DESIGN.md are a lint rule: a deliberate violation in each kind fails lint with the
// rule's text, and the same import where the table allows it passes.
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint: the layers of DESIGN.md', function () {
  this.timeout(30_000);
  const cases: [string, string, string[]][] = [
    ['src/host/violation.ts', "import { startVpnDns } from '../dns/index.js';\nexport const x = startVpnDns;\n",
      ['telepresence/layers: src/host may not import src/dns (../dns/index.js): src/host may import src/engine, src/protocol and the shared root files (DESIGN.md, the layout table).']],
    ['methods/violation.ts', "import { run } from '../src/cli/main.js';\nexport const x = run;\n",
      ["telepresence/layers: methods may not import src/cli (../src/cli/main.js): methods may import src/engine, src/protocol, src/config, src/host, src/vif, src/dns, src/tunnel, src/kube, src/inbound, shim and the shared root files (DESIGN.md, the layout table)."]],
    ['src/kube/operations/violation.ts', "import { SshTunnel } from '../../tunnel/ssh.js';\nexport const x = SshTunnel;\n",
      ['telepresence/layers: src/kube may not import src/tunnel (../../tunnel/ssh.js): src/kube may import src/engine, src/protocol, src/config and the shared root files (DESIGN.md, the layout table).']],
    ['proxy-pod/src/violation.ts', "import { openLog } from '../../src/log.js';\nexport const x = openLog;\n",
      ['telepresence/layers: proxy-pod may not import src/log.ts (../../src/log.js): proxy-pod may import src/engine, src/protocol and src/errors.ts (DESIGN.md, the layout table).']],
    ['src/engine/violation.ts', "import { pause } from '../deadline.js';\nexport const x = pause;\n",
      ['telepresence/layers: src/engine may not import src/deadline.ts (../deadline.js): src/engine may import src/errors.ts only (DESIGN.md, the layout table).']],
    ['src/engine/io.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
      ['no-restricted-imports: \'node:fs\' import is restricted from being used by a pattern. src/engine and src/protocol are pure: no I/O imports (DESIGN.md).']],
    ['src/dns/violation.ts', "import { execa } from 'execa';\nexport const x = execa;\n",
      ['telepresence/layers: src/dns may not import execa: it belongs to src/host (DESIGN.md, the layout table).']],
    ['src/session/allowed.ts', "import { methodFor } from '../../methods/registry.js';\nimport { openCluster } from '../kube/index.js';\nexport const x = [methodFor, openCluster];\n", []],
    ['src/dns/allowed.ts', "import { createHostResolverConfig } from '../host/resolver.js';\nexport const x = createHostResolverConfig;\n", []],
  ];
  for (const [file, code, expected] of cases) {
    it(`${file}: ${expected.length ? 'fails' : 'passes'}`, async () => {
      expect(await lint(file, code)).to.deep.equal(expected);
    });
  }
});
