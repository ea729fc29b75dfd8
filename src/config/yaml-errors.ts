// YAML problems as one line with the position: syntax errors from the parser, and the alias
// problems the parser only finds while converting (an alias before its anchor, one inside its own
// anchor, too many expansions), found here first so converting never throws.
import { type Document, isAlias, isCollection, visit, type LineCounter, type YAMLError } from 'yaml';

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

/** The first alias that cannot be resolved or key that is a list or map, or null when all is fine. */
export function checkStructure(doc: Document, lines: LineCounter): string | null {
  let problem: string | null = null;
  visit(doc, {
    Pair(_key, pair) {
      // Converting would stringify such a key with a process warning; no config key is one.
      if (!isCollection(pair.key)) return undefined;
      problem = `the key at ${at(lines, pair.key.range?.[0] ?? 0)} is a list or map: expected a name`;
      return visit.BREAK;
    },
    Alias(_key, alias) {
      const where = at(lines, alias.range?.[0] ?? 0);
      const target = alias.resolve(doc);
      if (!target) {
        problem = `the alias *${alias.source} at ${where} has no anchor &${alias.source} before it: define the anchor first`;
      } else if (target.range && alias.range && target.range[0] <= alias.range[0] && alias.range[0] < target.range[2]) {
        problem = `the alias *${alias.source} at ${where} is inside its own anchor &${alias.source}: a value cannot contain itself`;
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
