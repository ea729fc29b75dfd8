// The shape of a kubeconfig as kubectl reads it (client-go's v1.Config): every known key that is set
// has the right type. Checked before client-node reads the file, so a wrong type is one line naming
// the key, its line and what was expected, not a TypeError from inside client-node (or a silently
// dropped list). Unknown keys are left alone, as kubectl leaves them; null means unset, as in kubectl.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

type Kind = 'string' | 'boolean' | 'map' | 'list' | 'strings';

const CLUSTER: Record<string, Kind> = {
  server: 'string', 'certificate-authority': 'string', 'certificate-authority-data': 'string', 'insecure-skip-tls-verify': 'boolean',
  'tls-server-name': 'string', 'proxy-url': 'string', 'disable-compression': 'boolean', extensions: 'list',
};
const USER: Record<string, Kind> = {
  token: 'string', tokenFile: 'string', 'token-file': 'string', 'client-certificate': 'string', 'client-certificate-data': 'string',
  'client-key': 'string', 'client-key-data': 'string', username: 'string', password: 'string', as: 'string', 'as-uid': 'string',
  'as-groups': 'strings', 'as-user-extra': 'map', exec: 'map', 'auth-provider': 'map', extensions: 'list',
};
const CONTEXT: Record<string, Kind> = { cluster: 'string', user: 'string', namespace: 'string', extensions: 'list' };
const TOP: Record<string, Kind> = { apiVersion: 'string', kind: 'string', 'current-context': 'string', preferences: 'map', extensions: 'list' };
/** The three named lists: each entry `{name: ..., <inner>: {...}}`. */
const NAMED: Record<string, [inner: string, keys: Record<string, Kind>]> = {
  clusters: ['cluster', CLUSTER], users: ['user', USER], contexts: ['context', CONTEXT],
};

const EXPECTED: Record<Kind, string> = {
  string: 'expected a string', boolean: 'expected true or false', map: 'expected a map', list: 'expected a list', strings: 'expected a list of strings',
};

/**
 * The first key of `text` with a wrong type, as `KEY at line L, column C: expected ..., got ...`; null when
 * every key is fine, when the text is not a YAML map (the caller says so in its own words) or when
 * this parser cannot read it (client-node's parser then gives the YAML error).
 */
export function kubeconfigShapeError(text: string): string | null {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return null;
  /** `node` as written (an alias where one is used: that is the line to fix), described as it resolves. */
  const problem = (path: string, node: Node, expected: string): string => {
    const { line, col } = lines.linePos(node?.range?.[0] ?? 0);
    return `${path} at line ${line}, column ${col}: ${expected}, got ${describe(resolve(node, doc), doc)}`;
  };
  const top = entries(doc.contents, doc);
  for (const [key, node] of top) {
    if (TOP[key]) {
      const wrong = check(node, TOP[key], doc);
      if (wrong) return problem(key, wrong, EXPECTED[TOP[key]]);
    }
    const named = NAMED[key];
    if (!named) continue;
    const list = resolve(node, doc);
    if (isNull(list)) continue;
    const [inner, keys] = named;
    const entryShape = `expected a list of entries with a name and a ${inner}`;
    if (!isSeq(list)) return problem(key, node, entryShape);
    for (const [i, item] of list.items.entries()) {
      const entry = resolve(item as Node, doc);
      if (!isMap(entry)) return problem(`${key}[${i}]`, item as Node, `expected a map with a name and a ${inner}`);
      for (const [field, value] of entries(entry, doc)) {
        if (field === 'name') {
          const wrong = check(value, 'string', doc);
          if (wrong) return problem(`${key}[${i}].name`, wrong, EXPECTED.string);
        }
        if (field !== inner) continue;
        const body = resolve(value, doc);
        if (isNull(body)) continue;
        if (!isMap(body)) return problem(`${key}[${i}].${inner}`, value, EXPECTED.map);
        for (const [k, v] of entries(body, doc)) {
          const wrong = keys[k] ? check(v, keys[k], doc) : null;
          if (wrong) return problem(`${key}[${i}].${inner}.${k}`, wrong, EXPECTED[keys[k]]);
        }
      }
    }
  }
  return null;
}

/** The map's entries with plain keys (other keys are left alone, as unknown keys are). */
function entries(map: Node, doc: Document): [string, Node][] {
  if (!isMap(map)) return [];
  return map.items.flatMap((pair) => {
    const key = resolve(pair.key as Node, doc);
    return isScalar(key) && typeof key.value === 'string' ? [[key.value, pair.value as Node] as [string, Node]] : [];
  });
}

/** The node as written that is wrong for `kind`, or null. A boolean may be any scalar: kubectl reads YAML 1.1 (yes, on). */
function check(node: Node, kind: Kind, doc: Document): Node | null {
  const value = resolve(node, doc);
  if (isNull(value)) return null;
  switch (kind) {
    case 'string': return isScalar(value) && typeof value.value === 'string' ? null : node;
    case 'boolean': return isScalar(value) ? null : node;
    case 'map': return isMap(value) ? null : node;
    case 'list': return isSeq(value) ? null : node;
    default:
      if (!isSeq(value)) return node;
      return value.items.map((item) => check(item as Node, 'string', doc)).find((n) => n !== null) ?? null;
  }
}

function resolve(node: Node | null, doc: Document): Node {
  const target = isAlias(node) ? node.resolve(doc) : node;
  return (target ?? null) as Node;
}

function isNull(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

function describe(node: Node, doc: Document): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a map';
  const value = isScalar(node) ? node.value : node.toJSON(doc);
  const shown = JSON.stringify(value) ?? String(value);
  return `${typeof value === 'number' ? 'the number' : typeof value === 'boolean' ? 'the boolean' : 'the value'} ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}`;
}
