import { formatG } from './number-format.js';

/** A tag value: numbers for A-less numeric types, strings for A/Z/H, typed arrays for B. */
export type TagValue =
  | number
  | string
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array;

const ARRAY_TYPES = {
  c: Int8Array,
  C: Uint8Array,
  s: Int16Array,
  S: Uint16Array,
  i: Int32Array,
  I: Uint32Array,
  f: Float32Array,
};
const ELEMENT_SIZE: Record<string, number> = { c: 1, C: 1, s: 2, S: 2, i: 4, I: 4, f: 4 };

/** Reads the element of B-array subtype `type` at `at`. */
function readElement(buf: Buffer, type: string, at: number): number {
  switch (type) {
    case 'c':
      return buf.readInt8(at);
    case 'C':
      return buf[at]!;
    case 's':
      return buf.readInt16LE(at);
    case 'S':
      return buf.readUInt16LE(at);
    case 'i':
      return buf.readInt32LE(at);
    case 'I':
      return buf.readUInt32LE(at);
    case 'f':
      return buf.readFloatLE(at);
    default:
      throw new Error(`unknown B array subtype '${type}'`);
  }
}

/**
 * Walks the binary aux fields in `buf[start, end)`, calling `visit` with each tag, its
 * type letter, where its value starts and ends.
 */
function walkTags(
  buf: Buffer,
  start: number,
  end: number,
  visit: (tag: string, type: string, at: number, next: number) => void,
): void {
  let p = start;
  while (p + 3 <= end) {
    const tag = buf.toString('latin1', p, p + 2);
    const type = String.fromCharCode(buf[p + 2]!);
    const at = p + 3;
    let next: number;
    switch (type) {
      case 'A':
      case 'c':
      case 'C':
        next = at + 1;
        break;
      case 's':
      case 'S':
        next = at + 2;
        break;
      case 'i':
      case 'I':
      case 'f':
        next = at + 4;
        break;
      case 'd':
        next = at + 8;
        break;
      case 'Z':
      case 'H':
        next = buf.indexOf(0, at);
        if (next < 0 || next >= end) throw new Error(`tag ${tag}: unterminated string`);
        next += 1;
        break;
      case 'B': {
        const size = ELEMENT_SIZE[String.fromCharCode(buf[at]!)];
        if (!size) throw new Error(`tag ${tag}: unknown B array subtype`);
        next = at + 5 + size * buf.readInt32LE(at + 1);
        break;
      }
      default:
        throw new Error(`tag ${tag}: unknown type '${type}'`);
    }
    if (next > end) throw new Error(`tag ${tag}: value runs past the end of the record`);
    visit(tag, type, at, next);
    p = next;
  }
  if (p !== end) throw new Error('aux data ends inside a tag');
}

/** The tags as an object, in file order. */
export function decodeTags(buf: Buffer, start: number, end: number): Record<string, TagValue> {
  const tags: Record<string, TagValue> = {};
  walkTags(buf, start, end, (tag, type, at, next) => {
    switch (type) {
      case 'A':
        tags[tag] = String.fromCharCode(buf[at]!);
        break;
      case 'Z':
      case 'H':
        tags[tag] = buf.toString('latin1', at, next - 1);
        break;
      case 'd':
        tags[tag] = buf.readDoubleLE(at);
        break;
      case 'B': {
        const sub = String.fromCharCode(buf[at]!) as keyof typeof ARRAY_TYPES;
        const n = buf.readInt32LE(at + 1);
        const array = new ARRAY_TYPES[sub](n);
        for (let i = 0; i < n; i++) array[i] = readElement(buf, sub, at + 5 + i * ELEMENT_SIZE[sub]!);
        tags[tag] = array;
        break;
      }
      default:
        tags[tag] = readElement(buf, type, at);
    }
  });
  return tags;
}

/** The tags as SAM text (`\tNM:i:0\tMD:Z:10A5` ...), exactly as samtools prints them. */
export function formatTags(buf: Buffer, start: number, end: number): string {
  let out = '';
  walkTags(buf, start, end, (tag, type, at, next) => {
    switch (type) {
      case 'A':
        out += `\t${tag}:A:${String.fromCharCode(buf[at]!)}`;
        break;
      case 'Z':
      case 'H':
        out += `\t${tag}:${type}:${buf.toString('latin1', at, next - 1)}`;
        break;
      case 'f':
        out += `\t${tag}:f:${formatG(buf.readFloatLE(at))}`;
        break;
      case 'd':
        out += `\t${tag}:d:${formatG(buf.readDoubleLE(at))}`;
        break;
      case 'B': {
        const sub = String.fromCharCode(buf[at]!);
        const n = buf.readInt32LE(at + 1);
        out += `\t${tag}:B:${sub}`;
        for (let i = 0; i < n; i++) {
          const v = readElement(buf, sub, at + 5 + i * ELEMENT_SIZE[sub]!);
          out += `,${sub === 'f' ? formatG(v) : v}`;
        }
        break;
      }
      default:
        out += `\t${tag}:i:${readElement(buf, type, at)}`;
    }
  });
  return out;
}

/** Checks the aux fields are well formed; throws a message naming what is wrong. */
export function checkTags(buf: Buffer, start: number, end: number): void {
  walkTags(buf, start, end, () => {});
}
