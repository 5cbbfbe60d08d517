/**
 * Why plugins/bam has its own BAM reader: it beside a plain @gmod/bam script, each reading
 * every record of the same BAM and digesting name, flag, position, CIGAR, SEQ and QUAL.
 * Both digests must be equal; the table gives wall time, CPU and peak RSS at 1x and 10x
 * the reads (the hand-written reader streams; @gmod/bam reads a region's records into an
 * array, so it is fed 1 Mbp windows to keep it as lean as a plain script can be).
 *
 *   node dist/bench/io/bam-reader.js [--reads 400000] [--rounds 3]
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { BamFile } from '@gmod/bam';
import { openAlignments } from '../../plugins/bam/input.js';
import { benchOut, bestOfInterleaved, fixed, intArg, type Measured, printTable } from '../lib.js';
import { generateBam } from './bam-data.js';

interface Digest {
  reads: number;
  bases: number;
  sha256: string;
}

const WINDOW = 1_000_000;

/** Each record as one line of the fields both readers decode. */
const line = (name: string, flag: number, pos: number, cigar: string, seq: string, qual: Uint8Array) =>
  `${name}\t${flag}\t${pos}\t${cigar}\t${seq}\t${Buffer.from(qual).toString('hex')}\n`;

async function withGenoflow(bam: string): Promise<Digest> {
  const hash = createHash('sha256');
  let reads = 0;
  let bases = 0;
  const source = await openAlignments(createReadStream(bam, { highWaterMark: 1 << 20 }), bam);
  if (source.kind !== 'bam') throw new Error(`${bam}: expected BAM`);
  for await (const records of source.batches) {
    for (const r of records) {
      reads++;
      bases += r.seqLength;
      hash.update(line(r.name, r.flag, r.pos, r.cigar, r.seq, r.qualities));
    }
  }
  return { reads, bases, sha256: hash.digest('hex') };
}

async function withGmod(bam: string): Promise<Digest> {
  const hash = createHash('sha256');
  let reads = 0;
  let bases = 0;
  const file = new BamFile({ bamPath: bam, baiPath: `${bam}.bai` });
  const header = await file.getHeader();
  const contigs = (header ?? []).flatMap((h) =>
    h.tag === 'SQ'
      ? [
          {
            name: h.data.find((d) => d.tag === 'SN')!.value,
            length: Number(h.data.find((d) => d.tag === 'LN')!.value),
          },
        ]
      : [],
  );
  for (const { name, length } of contigs) {
    for (let start = 0; start < length; start += WINDOW) {
      for (const r of await file.getRecordsForRange(name, start, Math.min(length, start + WINDOW))) {
        if (r.start < start) continue; // seen in the window before
        reads++;
        bases += r.seq.length;
        // @gmod/bam gives positions 0-based, as BAM stores them; genoflow's pos is 1-based.
        hash.update(line(r.name, r.flags, r.start + 1, r.CIGAR, r.seq, r.qual ?? new Uint8Array()));
      }
    }
  }
  return { reads, bases, sha256: hash.digest('hex') };
}

const readerIndex = process.argv.indexOf('--reader');
if (readerIndex > 0) {
  // A child run: one reader over one BAM, its digest on stdout.
  const [reader, bam] = [process.argv[readerIndex + 1], process.argv[process.argv.indexOf('--bam') + 1]!];
  const digest = reader === 'gmod' ? await withGmod(bam) : await withGenoflow(bam);
  process.stdout.write(`${JSON.stringify(digest)}\n`);
} else {
  const reads = intArg('reads', 400_000);
  const rounds = intArg('rounds', 3);
  const dir = benchOut('bam');
  const bam = generateBam(dir, reads);
  const commandsFor = (file: string) => ({
    'genoflow plugins/bam reader': `node ${import.meta.filename} --reader genoflow --bam ${file}`,
    '@gmod/bam 7.9.1 (1 Mbp windows)': `node ${import.meta.filename} --reader gmod --bam ${file}`,
  });
  const header = ['reader', 'reads', 'seconds', 'reads/s', 'vs @gmod/bam', 'peak RSS MB'];
  const rowsOf = (results: Record<string, Measured>, n: number) => {
    const digests = Object.values(results).map((m) => m.stdout.trim());
    if (new Set(digests).size !== 1) throw new Error(`the readers disagree:\n${digests.join('\n')}`);
    const gmod = results['@gmod/bam 7.9.1 (1 Mbp windows)']!;
    return Object.entries(results).map(([label, m]) => [
      label,
      n.toLocaleString('en'),
      fixed(m.seconds),
      Math.round(n / m.seconds).toLocaleString('en'),
      `${fixed(gmod.seconds / m.seconds)}x`,
      fixed(m.maxRssMb, 0),
    ]);
  };
  const x1 = bestOfInterleaved(commandsFor(bam), rounds);
  printTable(`every record of a BAM, digested (best of ${rounds}, interleaved)`, header, rowsOf(x1, reads));
  const x10 = bestOfInterleaved(commandsFor(generateBam(dir, reads * 10)), rounds);
  printTable(`the same BAM 10x over`, header, rowsOf(x10, reads * 10));
  console.log(`\nboth readers gave the same digest: ${x1['genoflow plugins/bam reader']!.stdout.trim()}`);
}
