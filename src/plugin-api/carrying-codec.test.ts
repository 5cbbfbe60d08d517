import { describe, expect, it } from 'vitest';
import { carryingCodec, codecContext } from './carrying-codec.js';
import type { PortCodec } from './types.js';

/** Two record classes with codecs that write a header once per stream, as real ones do. */
class Read {
  constructor(readonly name: string) {}
}
class Site {
  constructor(readonly pos: number) {}
}
const headerOnce = <T>(tag: string, write: (v: T) => string, read: (s: string) => T): PortCodec<T> => ({
  createEncoder() {
    let head = `${tag}:`;
    return (value) => {
      const bytes = Buffer.from(`${head}${write(value)}`);
      head = '';
      return bytes;
    };
  },
  createDecoder() {
    let seen = false;
    return (bytes) => {
      let text = Buffer.from(bytes).toString();
      if (!seen) {
        if (!text.startsWith(`${tag}:`)) throw new Error(`${tag}: no header before the first record`);
        text = text.slice(tag.length + 1);
        seen = true;
      }
      return read(text);
    };
  },
});
const codecs = [
  [
    'read',
    {
      ...headerOnce<Read>(
        'R',
        (r) => r.name,
        (s) => new Read(s),
      ),
      accepts: (v: unknown) => v instanceof Read,
    },
  ],
  [
    'site',
    {
      ...headerOnce<Site>(
        'S',
        (s) => String(s.pos),
        (s) => new Site(Number(s)),
      ),
      accepts: (v: unknown) => v instanceof Site,
    },
  ],
] as const;

describe('carried values', () => {
  it('values of several port types in one stream keep their class, each through its own per-stream codec', () => {
    const context = codecContext(codecs);
    const codec = carryingCodec<{ id: number; source?: unknown }>('source');
    const records = [
      { id: 0, source: new Read('r0') },
      { id: 1, source: new Site(5) },
      { id: 2 },
      { id: 3, source: new Read('r1') },
      { id: 4, source: { plain: true } },
      { id: 5, source: new Site(9) },
    ];
    const encode = codec.createEncoder(context);
    const bytes = records.map(encode);
    // The port type's name goes out once, with its first value.
    expect(bytes.filter((b) => Buffer.from(b).includes('site')).length).toBe(1);
    const decode = codec.createDecoder(context);
    const back = bytes.map(decode);
    expect(back).toEqual(records);
    expect(back.map((r) => r.source?.constructor.name)).toEqual([
      'Read',
      'Site',
      undefined,
      'Read',
      'Object',
      'Site',
    ]);
  });

  it('refuses a path it cannot follow', () => {
    expect(() => carryingCodec('items[].a.b')).toThrow(/not a field or list\[\]\.field/);
  });
});
