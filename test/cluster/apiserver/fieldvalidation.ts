// The `fieldValidation` query parameter (Strict, Warn — the default — or Ignore) against the kinds'
// schemas (openapi-models.ts): Strict refuses unknown fields with the API server's texts, Warn
// answers with `Warning:` headers (kubectl prints them). Unknown fields are kept, not dropped.
import type { ServerResponse } from 'node:http';
import type { ResourceInfo } from './discovery.js';
import { modelOfKind, unknownFields } from './openapi-models.js';
import { ApiError, badRequest } from './status.js';

/** Go's `%+v` of a JSON value decoded into map[string]interface{} (how the API server quotes a patch). */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.keys(v as object).sort().map((k) => `${k}:${goValue((v as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(v);
}

function strictText(fields: string[]): string {
  return `strict decoding error: ${fields.map((f) => `unknown field "${f}"`).join(', ')}`;
}

function invalidPatch(value: string, fields: string[]): ApiError {
  const detail = `patch: Invalid value: ${JSON.stringify(value)}: ${strictText(fields)}`;
  return new ApiError(422, 'Invalid', ` "" is invalid: ${detail}`, {
    causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${strictText(fields)}`, field: 'patch' }],
  });
}

/**
 * Checks a create/update body (`patchType` undefined) or a patch body; `patched()` gives the object
 * after the patch (a JSON patch names no fields itself). Throws for Strict; sets Warning headers for Warn.
 */
export function validateFields(
  res: ServerResponse, info: ResourceInfo, q: URLSearchParams, body: unknown, patchType?: string, patched: () => unknown = () => body,
): void {
  const directive = q.get('fieldValidation') ?? 'Warn';
  if (directive === 'Ignore') return;
  if (directive !== 'Strict' && directive !== 'Warn') {
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn", "Strict", got ${JSON.stringify(directive)}`);
  }
  const model = modelOfKind(info.group, info.kind);
  if (!model) return;
  const jsonPatch = patchType?.startsWith('application/json-patch+json');
  const fields = unknownFields(jsonPatch ? patched() : body, model.name);
  if (fields.length === 0) return;
  if (directive === 'Warn') {
    res.setHeader('Warning', fields.map((f) => `299 - ${JSON.stringify(`unknown field "${f}"`)}`));
    return;
  }
  if (patchType === undefined) {
    throw badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${strictText(fields)}`);
  }
  throw invalidPatch(patchType.startsWith('application/strategic-merge-patch+json') ? goValue(body) : JSON.stringify(patched()), fields);
}
