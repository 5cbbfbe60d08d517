import { existsSync } from 'node:fs';
import { BgzipIndexedFasta, IndexedFasta } from '@gmod/indexedfasta';
import type { StageContext } from '../../src/plugin-api/index.js';
import { OpenFile } from './open-file.js';

/** An indexed FASTA (plain + .fai, or bgzip + .fai + .gzi) open for random access. */
export interface Reference {
  readonly path: string;
  /** Contig lengths by name, in file order. */
  readonly lengths: ReadonlyMap<string, number>;
  /** Bases [start, end) of `chrom` (0-based, clipped to the contig), as stored (case kept). */
  fetch(chrom: string, start: number, end: number): Promise<string>;
  close(): Promise<void>;
}

type FastaHandle = ConstructorParameters<typeof IndexedFasta>[0]['fasta'];

export async function openReference(ctx: StageContext<unknown>, path: string): Promise<Reference> {
  const file = ctx.resolvePath(path);
  if (!existsSync(file)) throw new Error(`${path}: reference FASTA not found`);
  const fai = `${file}.fai`;
  if (!existsSync(fai))
    throw new Error(`${path}: no index ${fai}, expected one made by \`samtools faidx ${path}\``);
  const fasta = new OpenFile(file);
  const handles = [fasta];
  ctx.declareInputFile(file);
  ctx.declareInputFile(fai);
  const head = await fasta.read(2, 0);
  let indexed: IndexedFasta;
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gzi = `${file}.gzi`;
    if (!existsSync(gzi)) {
      await fasta.close();
      throw new Error(`${path}: bgzip FASTA without ${gzi}, expected one made by \`samtools faidx ${path}\``);
    }
    ctx.declareInputFile(gzi);
    const gziFile = new OpenFile(gzi);
    handles.push(gziFile);
    indexed = new BgzipIndexedFasta({
      fasta: fasta as unknown as FastaHandle,
      gzi: gziFile as unknown as FastaHandle,
      faiPath: fai,
    });
  } else {
    indexed = new IndexedFasta({ fasta: fasta as unknown as FastaHandle, faiPath: fai });
  }
  const signal = ctx.signal;
  const sizes = await indexed.getSequenceSizes({ signal });
  // Names from the index, not Object.keys(sizes): that would put numeric names like "2" first.
  const names = await indexed.getSequenceNames({ signal });
  const lengths = new Map(names.map((name) => [name, sizes[name]!]));
  return {
    path,
    lengths,
    async fetch(chrom, start, end) {
      const length = lengths.get(chrom);
      if (length === undefined) throw new Error(`${path}: contig '${chrom}' is not in the reference`);
      const from = Math.max(0, start);
      const to = Math.min(length, end);
      if (from >= to) return '';
      return (await indexed.getSequence(chrom, from, to, { signal })) ?? '';
    },
    async close() {
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}
