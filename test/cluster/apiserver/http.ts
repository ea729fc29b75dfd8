// Small HTTP helpers shared by the handlers: JSON bodies in and out, Status errors, query params.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeKubernetesProtobuf } from './protobuf.js';
import { ApiError, badRequest, internal } from './status.js';

const MAX_BODY = 8 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
  if (type === 'application/vnd.kubernetes.protobuf') return decodeKubernetesProtobuf(await readBody(req));
  if (type.includes('protobuf') || type.includes('yaml') || type.includes('cbor')) {
    req.resume();
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json, application/vnd.kubernetes.protobuf`);
  }
  const body = (await readBody(req)).toString('utf8');
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body);
  } catch (e) {
    throw badRequest(`the body of the request was not valid JSON: ${(e as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const apiErr = err instanceof ApiError ? err : internal((err as Error)?.message ?? String(err));
  if (!(err instanceof ApiError)) console.error('apiserver: internal error:', err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, apiErr.code, apiErr.toStatus());
}

export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return n;
}
