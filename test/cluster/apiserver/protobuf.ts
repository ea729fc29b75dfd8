// Decodes the Kubernetes protobuf encoding (`application/vnd.kubernetes.protobuf`): the `k8s\0`
// magic, the runtime.Unknown envelope and the object inside it, into the JSON form, driven by
// the field tables of protoschema.ts. kubectl's `create <kind>` generators send this and do not
// fall back to JSON, so the server must read it. Pure.
import { KIND_SCHEMAS, type Field, type Schema } from './protoschema.js';
import { badRequest, ApiError } from './status.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Raw = { field: number; wire: number; value: bigint | Buffer };

function readVarint(b: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= b.length) throw badRequest('protobuf: truncated varint');
    const byte = b[pos++];
    result |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if (byte < 0x80) return [result, pos];
    if (shift > 70n) throw badRequest('protobuf: varint too long');
  }
}

export function readFields(b: Buffer): Raw[] {
  const out: Raw[] = [];
  let pos = 0;
  while (pos < b.length) {
    const [tag, p1] = readVarint(b, pos);
    pos = p1;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [v, p2] = readVarint(b, pos);
      out.push({ field, wire, value: v });
      pos = p2;
    } else if (wire === 2) {
      const [len, p2] = readVarint(b, pos);
      const end = p2 + Number(len);
      if (end > b.length) throw badRequest('protobuf: truncated field');
      out.push({ field, wire, value: b.subarray(p2, end) });
      pos = end;
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      out.push({ field, wire, value: b.subarray(pos, pos + n) });
      pos += n;
    } else throw badRequest(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

function isEmpty(v: unknown): boolean {
  if (v === '' || v === 0 || v === false || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  return !!v && typeof v === 'object' && Object.keys(v).length === 0;
}

function scalar(f: Field, raw: Raw): unknown {
  const buf = raw.value as Buffer;
  switch (f.type) {
    case 's': case 'ss': return buf.toString('utf8');
    case 'i': return Number(BigInt.asIntN(64, raw.value as bigint));
    case 'b': return raw.value !== 0n;
    case 'y': return buf.toString('base64');
    case 'time': {
      const t = decodeMessage(buf, { 1: { name: 'seconds', type: 'i' }, 2: { name: 'nanos', type: 'i' } });
      return t.seconds ? new Date(Number(t.seconds) * 1000).toISOString().replace(/\.\d+Z$/, 'Z') : undefined;
    }
    case 'intstr': {
      const v = decodeMessage(buf, { 1: { name: 'type', type: 'i' }, 2: { name: 'intVal', type: 'i' }, 3: { name: 'strVal', type: 's' } });
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
    default: return undefined;
  }
}

function mapEntry(f: Field, buf: Buffer): [string, unknown] {
  const valueType = f.type === 'msy' ? 'y' : f.type === 'mq' ? 'q' : 's';
  let key = '';
  let value: unknown = valueType === 'y' ? '' : '';
  for (const r of readFields(buf)) {
    if (r.field === 1) key = (r.value as Buffer).toString('utf8');
    if (r.field === 2) {
      const b = r.value as Buffer;
      value = valueType === 'y' ? b.toString('base64') : valueType === 'q' ? decodeMessage(b, { 1: { name: 's', type: 's' } }).s ?? '0' : b.toString('utf8');
    }
  }
  return [key, value];
}

/** One message into a JSON object; non-pointer zero values (which gogo always writes) are dropped. */
export function decodeMessage(b: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const raw of readFields(b)) {
    const f = schema[raw.field];
    if (!f) continue;
    let v: unknown;
    if (f.type === 'mss' || f.type === 'msy' || f.type === 'mq') {
      const [k, val] = mapEntry(f, raw.value as Buffer);
      out[f.name] = { ...((out[f.name] as object) ?? {}), [k]: val };
      continue;
    }
    if (typeof f.type === 'object') v = decodeMessage(raw.value as Buffer, f.type);
    else v = scalar(f, raw);
    if (f.inline && v && typeof v === 'object') {
      Object.assign(out, v);
      continue;
    }
    if (f.repeated || f.type === 'ss') {
      out[f.name] = [...((out[f.name] as unknown[]) ?? []), v];
      continue;
    }
    if (v === undefined || (!f.pointer && isEmpty(v))) continue;
    out[f.name] = v;
  }
  return out;
}

/** Body of a protobuf request as the JSON object the handlers expect. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('protobuf: missing k8s magic prefix');
  const env = readFields(body.subarray(4));
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | undefined;
  for (const f of env) {
    if (f.field === 1) {
      for (const t of readFields(f.value as Buffer)) {
        if (t.field === 1) apiVersion = (t.value as Buffer).toString('utf8');
        if (t.field === 2) kind = (t.value as Buffer).toString('utf8');
      }
    }
    if (f.field === 2) raw = f.value as Buffer;
  }
  const schema = KIND_SCHEMAS[`${apiVersion}/${kind}`];
  if (!schema) {
    throw new ApiError(415, 'UnsupportedMediaType', `the protobuf encoding of ${apiVersion}/${kind} is not supported by this server; send application/json`);
  }
  return { apiVersion, kind, ...decodeMessage(raw ?? Buffer.alloc(0), schema) };
}
