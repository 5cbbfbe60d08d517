/** The header of a BAM/SAM stream, shared by all its records. */
export interface BamHeader {
  /** The SAM header text (`@HD`, `@SQ`, `@RG`, `@PG`, `@CO` lines). */
  text: string;
  /** Reference sequences in id order. */
  refs: Array<{ name: string; length: number }>;
  /** Reference id by name. */
  refIds: Map<string, number>;
}

export function makeHeader(text: string, refs: Array<{ name: string; length: number }>): BamHeader {
  return { text, refs, refIds: new Map(refs.map((r, i) => [r.name, i])) };
}

/**
 * Parses the binary BAM header at the start of `buf` (magic, text, references). Returns
 * undefined while `buf` does not hold all of it yet.
 */
export function parseBamHeader(buf: Buffer, name: string): { header: BamHeader; size: number } | undefined {
  if (buf.length < 12) return undefined;
  if (buf.readUInt32LE(0) !== 0x014d4142)
    throw new Error(`${name}: not a BAM file, expected the BAM\\1 magic`);
  const textLength = buf.readInt32LE(4);
  let p = 8 + textLength;
  if (buf.length < p + 4) return undefined;
  const text = buf.toString('latin1', 8, p).replace(/\0+$/, '');
  const count = buf.readInt32LE(p);
  p += 4;
  const refs: Array<{ name: string; length: number }> = [];
  for (let i = 0; i < count; i++) {
    if (buf.length < p + 4) return undefined;
    const nameLength = buf.readInt32LE(p);
    if (buf.length < p + 8 + nameLength) return undefined;
    refs.push({
      name: buf.toString('latin1', p + 4, p + 4 + nameLength - 1),
      length: buf.readInt32LE(p + 4 + nameLength),
    });
    p += 8 + nameLength;
  }
  return { header: makeHeader(text, refs), size: p };
}

/** Builds a header from SAM text lines (`@SQ SN: LN:` give the references). */
export function headerFromSamText(lines: string[]): BamHeader {
  const refs: Array<{ name: string; length: number }> = [];
  for (const line of lines) {
    if (!line.startsWith('@SQ\t')) continue;
    const fields = new Map(
      line
        .split('\t')
        .slice(1)
        .map((f) => [f.slice(0, 2), f.slice(3)]),
    );
    refs.push({ name: fields.get('SN') ?? '', length: Number(fields.get('LN') ?? 0) });
  }
  return makeHeader(lines.length ? lines.join('\n') + '\n' : '', refs);
}

/** The binary BAM header (magic, text, references), as written at the start of a BAM file. */
export function encodeBamHeader(header: BamHeader): Buffer {
  const text = Buffer.from(header.text, 'latin1');
  const parts = [Buffer.alloc(8), text, Buffer.alloc(4)];
  parts[0]!.writeUInt32LE(0x014d4142, 0);
  parts[0]!.writeInt32LE(text.length, 4);
  parts[2]!.writeInt32LE(header.refs.length, 0);
  for (const ref of header.refs) {
    const name = Buffer.from(`${ref.name}\0`, 'latin1');
    const head = Buffer.alloc(4);
    head.writeInt32LE(name.length, 0);
    const tail = Buffer.alloc(4);
    tail.writeInt32LE(ref.length, 0);
    parts.push(head, name, tail);
  }
  return Buffer.concat(parts);
}
