// YAML problems as one line with the position: syntax errors from the parser, and the alias
// problems the parser only finds while converting (an alias before its anchor, one inside its own
// anchor, too many expansions), found here first so converting never throws.
import { type Document, isAlias, isCollection, isScalar, type LineCounter, type Node, visit, type YAMLError } from 'yaml';

/** At most this many alias expansions while converting (the yaml package's own guard). */
export const MAX_ALIAS_COUNT = 100;

function at(lines: LineCounter, offset: number): string {
  const { line, col } = lines.linePos(offset);
  return `line ${line}, column ${col}`;
}

/** The parser's message without its own position and code excerpt, then ours. */
export function describeYamlError(error: YAMLError, lines: LineCounter): string {
  if (error.code === 'MULTIPLE_DOCS') {
    return `a second document starts at ${at(lines, error.pos[0])}: a config file holds one document (remove the ---)`;
  }
  const first = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return `${first} at ${at(lines, error.pos[0])}`;
}

/**
 * The first alias that cannot be resolved or key that is a list or map, or null when all is fine.
 * One pass in document order, as the yaml package resolves an alias: to the last anchor before it.
 */
export function checkStructure(doc: Document, lines: LineCounter): string | null {
  let problem: string | null = null;
  const anchors = new Map<string, Node>();
  visit(doc, {
    Pair(_key, pair) {
      // Converting would stringify such a key (a list, a map, an alias of one, !!binary) with a
      // process warning; no config key is one.
      const key = pair.key;
      if (key === null || (isScalar(key) && (key.value === null || typeof key.value !== 'object'))) return undefined;
      const what = isCollection(key) ? 'a list or map' : isAlias(key) ? 'an alias' : 'not text';
      problem = `the key at ${at(lines, (key as Node).range?.[0] ?? 0)} is ${what}: expected a name`;
      return visit.BREAK;
    },
    Node(_key, node, path) {
      if (!isAlias(node)) {
        if (node.anchor) anchors.set(node.anchor, node);
        return undefined;
      }
      const where = at(lines, node.range?.[0] ?? 0);
      const name = node.source.length > 40 ? `${node.source.slice(0, 40)}...` : node.source;
      const target = anchors.get(node.source);
      if (!target) {
        problem = `the alias *${name} at ${where} has no anchor &${name} before it: define the anchor first`;
      } else if (path.includes(target)) {
        problem = `the alias *${name} at ${where} is inside its own anchor &${name}: a value cannot contain itself`;
      }
      return problem ? visit.BREAK : undefined;
    },
  });
  return problem;
}

/** The line of the first alias, for the too-many-expansions message. */
export function firstAlias(doc: Document, lines: LineCounter): string {
  let where = 'line 1, column 1';
  visit(doc, {
    Node(_key, node) {
      if (!isAlias(node)) return undefined;
      where = at(lines, node.range?.[0] ?? 0);
      return visit.BREAK;
    },
  });
  return where;
}
