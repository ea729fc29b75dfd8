// Label and field selectors as the API server parses them (`a=b,c!=d,e in (f,g),!h`), pure.
import { badRequest } from './status.js';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export type Labels = Record<string, string> | undefined;

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(cur);
      cur = '';
    } else cur += ch;
  }
  terms.push(cur);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

export function parseLabelSelector(text: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const term of splitTerms(text)) {
    let m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3].split(',').map((v) => v.trim()).filter((v) => v !== '');
      reqs.push({ key: m[1], op: m[2] as 'in' | 'notin', values });
      continue;
    }
    m = /^([^=!\s]+)\s*(==|!=|=)\s*(\S*)$/.exec(term);
    if (m) {
      reqs.push({ key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] });
      continue;
    }
    m = /^!\s*([^=!\s()]+)$/.exec(term);
    if (m) {
      reqs.push({ key: m[1], op: 'notexists' });
      continue;
    }
    if (/^[A-Za-z0-9._/-]+$/.test(term)) {
      reqs.push({ key: term, op: 'exists' });
      continue;
    }
    throw badRequest(`unable to parse requirement: found '${term}', expected: identifier`);
  }
  return reqs;
}

export function matchRequirements(reqs: Requirement[], get: (key: string) => string | undefined): boolean {
  return reqs.every((r) => {
    const v = get(r.key);
    switch (r.op) {
      case 'exists':
        return v !== undefined;
      case 'notexists':
        return v === undefined;
      case 'in':
        return v !== undefined && r.values.includes(v);
      case 'notin':
        return v === undefined || !r.values.includes(v);
    }
  });
}

export function matchLabels(reqs: Requirement[], labels: Labels): boolean {
  return matchRequirements(reqs, (k) => labels?.[k]);
}

/** Field selectors allow only =, == and != on dotted paths. */
export function parseFieldSelector(text: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const term of splitTerms(text)) {
    const m = /^([^=!\s]+)\s*(==|!=|=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    reqs.push({ key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] });
  }
  return reqs;
}

/** The value of a dotted field path as a string ('' when absent, as the API server compares). */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

export function matchFields(reqs: Requirement[], obj: unknown): boolean {
  return matchRequirements(reqs, (k) => fieldValue(obj, k));
}

/** A LabelSelector object (matchLabels + matchExpressions) as requirements. */
export function selectorRequirements(sel: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
} | undefined): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) reqs.push({ key: k, op: 'in', values: [v] });
  for (const e of sel?.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === 'in' || op === 'notin') reqs.push({ key: e.key, op, values: e.values ?? [] });
    else if (op === 'exists') reqs.push({ key: e.key, op: 'exists' });
    else if (op === 'doesnotexist') reqs.push({ key: e.key, op: 'notexists' });
  }
  return reqs;
}
