// Lint: the recommended TypeScript rules, plus the layers of DESIGN.md as a rule: each folder imports
// only the folders and libraries its row of the layout table allows, and the pure folders do no I/O.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/** Root files of src/ that every layer may import (errors, change registration, deadlines, the log). */
const SHARED = ['src/errors.ts', 'src/changes.ts', 'src/deadline.ts', 'src/log.ts'];
const PURE = ['src/engine', 'src/protocol'];

/** Folder -> the folders it may import (besides itself, SHARED and the pure folders). DESIGN.md's table. */
export const LAYERS = {
  'src/engine': [],
  'src/protocol': [],
  'src/config': [],
  'src/host': [],
  'src/vif': ['src/host', 'shim'],
  'src/dns': ['src/host'],
  'src/tunnel': ['src/host', 'src/config'],
  'src/kube': ['src/config'],
  'src/inbound': ['src/tunnel', 'src/host', 'src/config', 'src/vif'],
  'src/session': ['src/config', 'src/host', 'src/vif', 'src/dns', 'src/tunnel', 'src/kube', 'src/inbound', 'methods', 'shim'],
  'methods': ['src/config', 'src/host', 'src/vif', 'src/dns', 'src/tunnel', 'src/kube', 'src/inbound', 'shim'],
  'src/cli': ['src/config', 'src/host', 'src/vif', 'src/dns', 'src/tunnel', 'src/kube', 'src/inbound', 'src/session', 'methods'],
  'proxy-pod': [],
};

/** Libraries with side effects that belong to one layer (tests may use them anywhere). */
export const LIBRARIES = {
  execa: ['src/host'],
  ssh2: ['src/tunnel'],
  '@kubernetes/client-node': ['src/kube'],
  dns2: ['src/dns', 'proxy-pod'],
  argparse: ['src/cli'],
};

function folderOf(file) {
  const rel = path.relative(ROOT, file).split(path.sep).join('/');
  if (SHARED.includes(rel)) return rel;
  return Object.keys(LAYERS).find((f) => rel === f || rel.startsWith(`${f}/`)) ?? null;
}

/** May a file of folder `from` import a file of folder `to`? */
function mayImport(from, to) {
  if (to === from) return true;
  // The pure folders stay pure: of the shared files, only the error classes.
  if (PURE.includes(from)) return to === 'src/errors.ts';
  // The pod program ships alone in its image: the contract and pure logic only.
  if (from === 'proxy-pod') return PURE.includes(to) || to === 'src/errors.ts';
  return SHARED.includes(to) || PURE.includes(to) || LAYERS[from].includes(to);
}

function allowedText(from) {
  if (PURE.includes(from)) return 'src/errors.ts only';
  if (from === 'proxy-pod') return `${PURE.join(', ')} and src/errors.ts`;
  return [...PURE, ...LAYERS[from]].join(', ') + ' and the shared root files';
}

const layers = {
  meta: { type: 'problem', schema: [], messages: {
    layer: '{{from}} may not import {{to}} ({{spec}}): {{from}} may import {{allowed}} (DESIGN.md, the layout table).',
    library: '{{from}} may not import {{lib}}: it belongs to {{owners}} (DESIGN.md, the layout table).',
  } },
  create(context) {
    const from = folderOf(context.filename);
    if (from === null || SHARED.includes(from)) return {};
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        const to = folderOf(path.resolve(path.dirname(context.filename), spec.replace(/\.js$/, '.ts')));
        if (to !== null && !mayImport(from, to)) context.report({ node, messageId: 'layer', data: { from, to, spec, allowed: allowedText(from) } });
        return;
      }
      const lib = Object.keys(LIBRARIES).find((l) => spec === l || spec.startsWith(`${l}/`));
      if (lib !== undefined && !LIBRARIES[lib].includes(from)) {
        context.report({ node, messageId: 'library', data: { from, lib, owners: LIBRARIES[lib].join(', ') } });
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'shim/build/**', 'shim/tun/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { telepresence: { rules: { layers } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'telepresence/layers': 'error',
    },
  },
  {
    files: ['src/engine/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'net', 'child_process', 'dgram', 'os', 'execa', 'ssh2', 'dns2', '@kubernetes/*'],
            message: 'src/engine and src/protocol are pure: no I/O imports (DESIGN.md).' },
        ],
      }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
