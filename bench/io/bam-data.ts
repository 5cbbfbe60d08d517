import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../src/plugin-api/random.js';

export const REFERENCE_LENGTH = 10_000_000;
export const READ_LENGTH = 150;

/**
 * `reads` sorted 150 bp reads (a few mismatches, NM and RG tags) on a random 10 Mbp contig,
 * as BAM + index in `dir` (made once, then reused).
 */
export function generateBam(dir: string, reads: number): string {
  const bam = join(dir, `reads-${reads}.bam`);
  if (existsSync(`${bam}.bai`)) return bam;
  const next = seededRandom(42);
  const bases = 'ACGT';
  const reference = Buffer.alloc(REFERENCE_LENGTH);
  for (let i = 0; i < REFERENCE_LENGTH; i++) reference[i] = bases.charCodeAt((next() * 4) | 0);
  const starts = Float64Array.from({ length: reads }, () =>
    Math.floor(next() * (REFERENCE_LENGTH - READ_LENGTH)),
  ).sort();
  const sam = join(dir, `reads-${reads}.sam`);
  const fd = openSync(sam, 'w');
  writeSync(
    fd,
    `@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:${REFERENCE_LENGTH}\n@RG\tID:bench\tSM:bench\n`,
  );
  let text = '';
  const qual = Buffer.alloc(READ_LENGTH);
  for (let i = 0; i < reads; i++) {
    const start = starts[i]!;
    const seq = Buffer.from(reference.subarray(start, start + READ_LENGTH));
    let mismatches = 0;
    for (let j = 0; j < 3; j++) {
      if (next() < 0.3) {
        seq[(next() * READ_LENGTH) | 0] = bases.charCodeAt((next() * 4) | 0);
        mismatches++;
      }
    }
    for (let j = 0; j < READ_LENGTH; j++) qual[j] = 35 + ((next() * 40) | 0);
    const flag = next() < 0.5 ? 0 : 16;
    text += `read${i}\t${flag}\tchr1\t${start + 1}\t60\t${READ_LENGTH}M\t*\t0\t0\t${seq.toString('latin1')}\t${qual.toString('latin1')}\tNM:i:${mismatches}\tRG:Z:bench\n`;
    if (text.length > 1 << 20) {
      writeSync(fd, text);
      text = '';
    }
  }
  writeSync(fd, text);
  closeSync(fd);
  execFileSync('samtools', ['view', '-b', '-o', bam, sam]);
  execFileSync('samtools', ['index', bam]);
  rmSync(sam);
  return bam;
}

/** The BAM `times` times over (samtools cat), for the memory-is-flat figure. */
export function repeatedBam(bam: string, times: number): string {
  const out = bam.replace(/\.bam$/, `-x${times}.bam`);
  if (!existsSync(out)) execFileSync('samtools', ['cat', '-o', out, ...Array<string>(times).fill(bam)]);
  return out;
}
