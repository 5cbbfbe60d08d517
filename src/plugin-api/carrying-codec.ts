import { deserialize, serialize } from 'node:v8';
import type { CodecContext, PortCodec, PortType } from './types.js';

/** Codecs of every record type, as the plugins declare them. */
// biome-ignore lint/suspicious/noExplicitAny: one list holds codecs of every record type
export type Codecs = ReadonlyArray<readonly [PortType, PortCodec<any>]>;

const ABSENT = 0xffffffff;
/** Slot 0 of a carried value: no codec accepted it, so it went through structured clone. */
const CLONED = 0;

/**
 * A codec for records that carry other records: the values at `paths` (`source`, or
 * `items[].source` for the field of every element of a list) are stored by the codec of
 * their own port type through the context; the rest of the record by structured clone.
 * Layout: u32 rest length, rest, then per carried value u32 length (or ABSENT) and bytes.
 */
export function carryingCodec<T extends object>(...paths: string[]): PortCodec<T> {
  const fields = paths.map((path) => {
    const match = /^(?:(\w+)\[\]\.)?(\w+)$/.exec(path);
    if (!match) throw new Error(`carryingCodec: "${path}" is not a field or list[].field`);
    return { list: match[1], field: match[2]! };
  });
  const holders = (rest: Record<string, unknown>, list: string | undefined) =>
    list ? ((rest[list] as Record<string, unknown>[] | undefined) ?? []) : [rest];
  return {
    createEncoder(context) {
      const encodeCarried = context.carriedEncoder();
      return (record) => {
        const rest: Record<string, unknown> = { ...(record as Record<string, unknown>) };
        const carried: (Uint8Array | undefined)[] = [];
        const take = (holder: Record<string, unknown>, field: string) => {
          const value = holder[field];
          delete holder[field];
          carried.push(value === undefined ? undefined : encodeCarried(value));
          return holder;
        };
        for (const { list, field } of fields) {
          if (list) rest[list] = holders(rest, list).map((item) => take({ ...item }, field));
          else take(rest, field);
        }
        const body = serialize(rest);
        let size = 4 + body.length;
        for (const bytes of carried) size += 4 + (bytes?.byteLength ?? 0);
        const out = Buffer.allocUnsafe(size);
        out.writeUInt32LE(body.length, 0);
        body.copy(out, 4);
        let at = 4 + body.length;
        for (const bytes of carried) {
          out.writeUInt32LE(bytes ? bytes.byteLength : ABSENT, at);
          at += 4;
          if (bytes) out.set(bytes, at);
          at += bytes?.byteLength ?? 0;
        }
        return out;
      };
    },
    createDecoder(context) {
      const decodeCarried = context.carriedDecoder();
      return (bytes) => {
        const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const bodyLength = buf.readUInt32LE(0);
        const rest = deserialize(buf.subarray(4, 4 + bodyLength)) as Record<string, unknown>;
        let at = 4 + bodyLength;
        for (const { list, field } of fields) {
          for (const holder of holders(rest, list)) {
            const length = buf.readUInt32LE(at);
            at += 4;
            if (length === ABSENT) continue;
            holder[field] = decodeCarried(buf.subarray(at, at + length));
            at += length;
          }
        }
        return rest as unknown as T;
      };
    },
  };
}

/**
 * The context the engine hands codecs, over the codecs of the loaded plugins. A carried
 * value is tagged with a per-stream slot (its port type's name the first time), and each
 * slot keeps one encoder or decoder for the whole stream.
 */
export function codecContext(codecs: Codecs): CodecContext {
  const context: CodecContext = {
    carriedEncoder() {
      const slots = new Map<PortType, { tag: number; encode: (value: unknown) => Uint8Array }>();
      return (value) => {
        const found = codecs.find(([, codec]) => codec.accepts?.(value));
        if (!found) return tagged(Buffer.of(CLONED), serialize(value));
        const [type, codec] = found;
        let slot = slots.get(type);
        let head: Buffer;
        if (slot) head = Buffer.of(slot.tag);
        else {
          if (slots.size >= 255) throw new Error('carried values: more than 255 port types in one stream');
          slot = { tag: slots.size + 1, encode: codec.createEncoder(context) };
          slots.set(type, slot);
          const name = Buffer.from(type);
          head = Buffer.concat([Buffer.of(slot.tag, name.length), name]);
        }
        return tagged(head, slot.encode(value));
      };
    },
    carriedDecoder() {
      const slots: ((bytes: Uint8Array) => unknown)[] = [];
      return (bytes) => {
        const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const tag = buf[0]!;
        if (tag === CLONED) return deserialize(buf.subarray(1));
        let at = 1;
        if (tag > slots.length) {
          const type = buf.toString('utf8', 2, 2 + buf[1]!);
          const codec = codecs.find(([name]) => name === type)?.[1];
          if (!codec)
            throw new Error(`stored record carries a "${type}" record, and no loaded plugin has its codec`);
          slots.push(codec.createDecoder(context));
          at = 2 + buf[1]!;
        }
        return slots[tag - 1]!(buf.subarray(at));
      };
    },
  };
  return context;
}

const tagged = (head: Buffer, body: Uint8Array) => {
  const out = Buffer.allocUnsafe(head.length + body.byteLength);
  head.copy(out, 0);
  out.set(body, head.length);
  return out;
};

/** Codecs of the record shapes this API defines (records.ts), which carry their source. */
export const sharedRecordCodecs: Codecs = [
  ['sequence', carryingCodec('source')],
  ['prediction', carryingCodec('source')],
  ['token-batch', carryingCodec('items[].source')],
];
