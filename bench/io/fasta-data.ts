/** Deterministic benchmark data for the FASTA/FASTQ benchmark: a reference, reads, regions. */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../src/plugin-api/random.js';

export const CONTIG_LENGTH = 1_000_000;
export const CONTIGS = 10;
export const READ_LENGTH = 150;
const LINE = 60;

function contigBases(index: number): Buffer {
  const next = seededRandom(1000 + index);
  const bases = Buffer.alloc(CONTIG_LENGTH);
  for (let i = 0; i < CONTIG_LENGTH; i++) bases[i] = 'ACGT'.charCodeAt((next() * 4) | 0);
  return bases;
}

/** A 10 Mbp reference of ten 1 Mbp contigs in 60-column lines, plain and bgzip, both indexed. */
export function generateReference(dir: string): string {
  const path = join(dir, 'ref.fa');
  if (existsSync(`${path}.gz.gzi`)) return path;
  mkdirSync(dir, { recursive: true });
  const fd = openSync(path, 'w');
  for (let c = 0; c < CONTIGS; c++) {
    const bases = contigBases(c);
    const lines: string[] = [`>chr${c + 1} synthetic contig ${c + 1}`];
    for (let i = 0; i < CONTIG_LENGTH; i += LINE) lines.push(bases.toString('latin1', i, i + LINE));
    writeSync(fd, lines.join('\n') + '\n');
  }
  closeSync(fd);
  execFileSync('samtools', ['faidx', path]);
  execFileSync('sh', ['-c', `bgzip -@2 -c '${path}' > '${path}.gz' && samtools faidx '${path}.gz'`]);
  return path;
}

/** `reads` 150 bp reads sampled from the reference, with random qualities; plain and gzip. */
export function generateReads(dir: string, reads: number): string {
  const path = join(dir, `reads-${reads}.fq`);
  if (existsSync(`${path}.gz`)) return path;
  const contigs = Array.from({ length: CONTIGS }, (_, c) => contigBases(c));
  const next = seededRandom(42);
  const fd = openSync(path, 'w');
  const qual = Buffer.alloc(READ_LENGTH);
  let text = '';
  for (let i = 0; i < reads; i++) {
    const contig = contigs[(next() * CONTIGS) | 0]!;
    const start = (next() * (CONTIG_LENGTH - READ_LENGTH)) | 0;
    for (let j = 0; j < READ_LENGTH; j++) qual[j] = 35 + ((next() * 40) | 0);
    text += `@read${i} sample=bench\n${contig.toString('latin1', start, start + READ_LENGTH)}\n+\n${qual.toString('latin1')}\n`;
    if (text.length > 1 << 20) {
      writeSync(fd, text);
      text = '';
    }
  }
  writeSync(fd, text);
  closeSync(fd);
  execFileSync('sh', ['-c', `bgzip -@2 -c '${path}' > '${path}.gz'`]);
  return path;
}

/** `count` regions of 100-1,000 bp at random places, one per line (samtools faidx -r). */
export function generateRegions(dir: string, count: number): string {
  const path = join(dir, `regions-${count}.txt`);
  if (existsSync(path)) return path;
  const next = seededRandom(7);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = 100 + ((next() * 900) | 0);
    const start = 1 + ((next() * (CONTIG_LENGTH - length)) | 0);
    lines.push(`chr${1 + ((next() * CONTIGS) | 0)}:${start}-${start + length - 1}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}
