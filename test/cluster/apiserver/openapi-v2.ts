// /openapi/v2 as kubectl fetches it: a gnostic openapi_v2.Document in protobuf
// (application/com.github.proto-openapi.spec.v2@v1.0+protobuf), holding only `definitions`:
// kubectl validates the items of a `kind: List` against them. No paths, so kubectl builds its
// strategic merge patches from its built-in types, as it does for these kinds anyway.
import { MODELS, modelSchema } from './openapi-models.js';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

type Json = unknown;

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** A length-delimited field (wire type 2): strings and embedded messages. */
function field(num: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([varint((num << 3) | 2), varint(body.length), body]);
}

const msg = (...parts: Buffer[]) => Buffer.concat(parts);

/** gnostic Schema: _ref 1, format 2, required 19, additional_properties 21, type 22, items 23, properties 25, vendor_extension 31. */
function encodeSchema(s: Record<string, Json>): Buffer {
  const parts: Buffer[] = [];
  if (typeof s.$ref === 'string') parts.push(field(1, s.$ref));
  if (typeof s.format === 'string') parts.push(field(2, s.format));
  for (const r of (s.required as string[] | undefined) ?? []) parts.push(field(19, r));
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    parts.push(field(21, field(1, encodeSchema(s.additionalProperties as Record<string, Json>))));
  }
  if (typeof s.type === 'string') parts.push(field(22, field(1, s.type)));
  if (s.items && typeof s.items === 'object') parts.push(field(23, field(1, encodeSchema(s.items as Record<string, Json>))));
  if (s.properties && typeof s.properties === 'object') {
    const named = Object.entries(s.properties as Record<string, Record<string, Json>>)
      .map(([name, v]) => field(1, msg(field(1, name), field(2, encodeSchema(v)))));
    parts.push(field(25, msg(...named)));
  }
  for (const [k, v] of Object.entries(s)) {
    // NamedAny { name 1, value 2: Any { yaml 2 } }; JSON is YAML.
    if (k.startsWith('x-')) parts.push(field(31, msg(field(1, k), field(2, field(2, JSON.stringify(v))))));
  }
  return msg(...parts);
}

/** The Document: swagger 1, info 2 { title 1, version 2 }, definitions 9 { NamedSchema 1 }. */
export function openApiV2Protobuf(): Buffer {
  const defs = Object.entries(MODELS).map(([name, m]) => field(1, msg(field(1, name), field(2, encodeSchema(modelSchema(m, '#/definitions/'))))));
  return msg(field(1, '2.0'), field(2, msg(field(1, 'Kubernetes'), field(2, 'v1.32.0'))), field(9, msg(...defs)));
}

/** The same document as JSON, for clients that ask for application/json. */
export function openApiV2Json(): Record<string, unknown> {
  const definitions = Object.fromEntries(Object.entries(MODELS).map(([name, m]) => [name, modelSchema(m, '#/definitions/')]));
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, definitions };
}
