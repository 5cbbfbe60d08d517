/**
 * Makes the small data in samples/ that the example workflows run on. Deterministic: the
 * same seed gives the same bytes. `npm run samples` (after `make build`); the BAM files
 * need `samtools` on the PATH.
 *
 *   promoters/positives.fa, negatives.fa  81 bp promoter-like sequences: positives carry a
 *       -35 box (TTGACA) and a -10 box (TATAAT) 17 bp apart, each base mutated with p=0.12;
 *       negatives are background, a third of them with one box alone (a decoy).
 *   toy-genome.fa (+ .fai)  two 60 kb contigs of background DNA (GC 0.42).
 *   variants/labelled.vcf   SNVs labelled by INFO/CLNSIG: pathogenic sites sit next to a
 *       planted E-box (CACGTG) in the toy genome, benign ones in background; VUS are unlabelled.
 *   variants/calls.vcf      unlabelled SNVs on the same genome, to score.
 *   cohort/cohort.vcf       240 samples x 400 biallelic SNVs (1% missing genotypes); the
 *       phenotype in cohort/phenotypes.tsv is drawn from a logistic model of 5 causal SNVs
 *       (listed in cohort/causal.tsv with their effects).
 *   reads/sampleA.bam, sampleB.bam (+ .bai)  3,000 simulated 100 bp reads each from chr1,
 *       sample B from a region of chr1 that is GC-rich.
 *   reads/merged.bam (+ .bai)  both samples in one BAM, told apart by read group (@RG SM).
 *   classes/three-class.tsv  columns task, sequence, label: 3 x 60 rows of 60 bp (task
 *       `motif`) whose class is the planted motif (TATAAT -> tata, CACGTG -> ebox, none ->
 *       background, a third of those with a one-base-off decoy), each base mutated with
 *       p=0.08, at a random position; plus 30 rows of task `decoy` to be filtered out.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { seededRandom } from '../src/plugin-api/random.js';

const root = resolve(import.meta.dirname, import.meta.dirname.includes('/dist/') ? '../../samples' : '.');

const random = seededRandom(20261128);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const base = (gc: number) => (random() < gc ? pick(['G', 'C']) : pick(['A', 'T']));
const background = (n: number, gc = 0.42) => Array.from({ length: n }, () => base(gc)).join('');
const mutate = (motif: string, p: number) =>
  [...motif].map((b) => (random() < p ? pick(['A', 'C', 'G', 'T'].filter((x) => x !== b)) : b)).join('');
const plant = (seq: string, at: number, motif: string) =>
  seq.slice(0, at) + motif + seq.slice(at + motif.length);
const wrap = (seq: string) => seq.match(/.{1,60}/g)!.join('\n');
const fasta = (records: [string, string][]) => records.map(([id, seq]) => `>${id}\n${wrap(seq)}\n`).join('');

function write(relative: string, text: string): string {
  const path = join(root, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function promoters(): void {
  const positives: [string, string][] = [];
  const negatives: [string, string][] = [];
  for (let i = 0; i < 400; i++) {
    let seq = background(81);
    const at = 12 + Math.floor(random() * 10);
    seq = plant(seq, at, mutate('TTGACA', 0.08));
    seq = plant(seq, at + 6 + 16 + Math.floor(random() * 3), mutate('TATAAT', 0.08));
    positives.push([`prom_${i + 1}`, seq]);
    let other = background(81);
    if (i % 4 === 0)
      other = plant(other, 10 + Math.floor(random() * 60), mutate(pick(['TTGACA', 'TATAAT']), 0.08));
    negatives.push([`nonprom_${i + 1}`, other]);
  }
  write('promoters/positives.fa', fasta(positives));
  write('promoters/negatives.fa', fasta(negatives));
}

interface Site {
  chrom: string;
  pos: number;
  ref: string;
  alt: string;
  label?: 'Pathogenic' | 'Benign' | 'Uncertain_significance';
}

function genomeAndVariants(): void {
  const contigs: [string, string][] = [
    ['chr1', background(60_000)],
    ['chr2', background(60_000)],
  ];
  const sites: Site[] = [];
  const taken = new Set<string>();
  const place = (contig: number, label: Site['label'] | undefined, ebox: boolean) => {
    for (;;) {
      const pos = 200 + Math.floor(random() * 59_600);
      const key = `${contig}:${Math.floor(pos / 60)}`;
      if (taken.has(key)) continue;
      taken.add(key);
      if (ebox) {
        const offset = pick([-14, -10, 6, 10]);
        contigs[contig]![1] = plant(contigs[contig]![1], pos - 1 + offset, 'CACGTG');
      }
      const ref = contigs[contig]![1][pos - 1]!;
      sites.push({
        chrom: contigs[contig]![0],
        pos,
        ref,
        alt: pick(['A', 'C', 'G', 'T'].filter((b) => b !== ref)),
        label,
      });
      return;
    }
  };
  for (let contig = 0; contig < 2; contig++) {
    for (let i = 0; i < 180; i++) place(contig, 'Pathogenic', true);
    for (let i = 0; i < 180; i++) place(contig, 'Benign', false);
    for (let i = 0; i < 40; i++) place(contig, 'Uncertain_significance', random() < 0.5);
  }
  // REF is read after all planting, so it always matches the final genome.
  for (const site of sites) {
    const seq = contigs.find(([name]) => name === site.chrom)![1];
    site.ref = seq[site.pos - 1]!;
    if (site.alt === site.ref) site.alt = pick(['A', 'C', 'G', 'T'].filter((b) => b !== site.ref));
  }
  sites.sort((a, b) => a.chrom.localeCompare(b.chrom) || a.pos - b.pos);
  const genome = write('toy-genome.fa', fasta(contigs));
  execFileSync('samtools', ['faidx', genome]);

  const header = [
    '##fileformat=VCFv4.2',
    '##source=genoflow samples/generate.ts',
    ...contigs.map(([name, seq]) => `##contig=<ID=${name},length=${seq.length}>`),
    '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Clinical significance (simulated)">',
    '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO',
  ];
  const line = (s: Site, i: number, info: string) =>
    `${s.chrom}\t${s.pos}\tsv${i + 1}\t${s.ref}\t${s.alt}\t50\tPASS\t${info}`;
  write(
    'variants/labelled.vcf',
    `${[...header, ...sites.map((s, i) => line(s, i, `CLNSIG=${s.label}`))].join('\n')}\n`,
  );
  const calls: Site[] = [];
  for (let i = 0; i < 300; i++) {
    const contig = i % 2;
    const pos = 100 + Math.floor(random() * 59_800);
    const ref = contigs[contig]![1][pos - 1]!;
    calls.push({
      chrom: contigs[contig]![0],
      pos,
      ref,
      alt: pick(['A', 'C', 'G', 'T'].filter((b) => b !== ref)),
    });
  }
  calls.sort((a, b) => a.chrom.localeCompare(b.chrom) || a.pos - b.pos);
  write(
    'variants/calls.vcf',
    `${[...header.filter((h) => !h.includes('CLNSIG')), ...calls.map((s, i) => line(s, i, '.'))].join('\n')}\n`,
  );
  reads(contigs[0]![1]);
}

function cohort(): void {
  const samples = Array.from({ length: 240 }, (_, i) => `S${String(i + 1).padStart(3, '0')}`);
  const variants = Array.from({ length: 400 }, (_, i) => ({
    pos: 1000 + i * 137,
    maf: 0.05 + random() * 0.45,
    ref: pick(['A', 'C', 'G', 'T']),
  }));
  const causal = [17, 88, 203, 291, 350];
  const effects = [1.4, -1.2, 1.1, 0.9, -1.0];
  const dosage = samples.map(() =>
    variants.map((v) => (random() < v.maf ? 1 : 0) + (random() < v.maf ? 1 : 0)),
  );
  const lines = [
    '##fileformat=VCFv4.2',
    '##source=genoflow samples/generate.ts',
    '##contig=<ID=chr1,length=100000>',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    `#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t${samples.join('\t')}`,
  ];
  variants.forEach((v, j) => {
    const alt = pick(['A', 'C', 'G', 'T'].filter((b) => b !== v.ref));
    const gts = samples.map((_, i) => {
      if (random() < 0.01) return './.';
      const d = dosage[i]![j]!;
      return d === 0 ? '0/0' : d === 1 ? pick(['0/1', '1/0']).replace('1/0', '0/1') : '1/1';
    });
    lines.push(`chr1\t${v.pos}\trs${j + 1}\t${v.ref}\t${alt}\t60\tPASS\t.\tGT\t${gts.join('\t')}`);
  });
  write('cohort/cohort.vcf', `${lines.join('\n')}\n`);
  const phenotypes = ['sample\tstatus\tliability'];
  samples.forEach((sample, i) => {
    const liability = causal.reduce(
      (sum, j, k) => sum + effects[k]! * (dosage[i]![j]! - 2 * variants[j]!.maf),
      0,
    );
    const p = 1 / (1 + Math.exp(-(liability * 1.5)));
    phenotypes.push(`${sample}\t${random() < p ? 'case' : 'control'}\t${liability.toFixed(4)}`);
  });
  write('cohort/phenotypes.tsv', `${phenotypes.join('\n')}\n`);
  write(
    'cohort/causal.tsv',
    `id\tpos\teffect\n${causal.map((j, k) => `rs${j + 1}\t${variants[j]!.pos}\t${effects[k]}`).join('\n')}\n`,
  );
}

function reads(chr1: string): void {
  const complement: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A' };
  for (const [sample, from, to] of [
    ['sampleA', 0, 60_000],
    ['sampleB', 20_000, 30_000],
  ] as const) {
    const sam = [
      '@HD\tVN:1.6\tSO:unsorted',
      `@SQ\tSN:chr1\tLN:${chr1.length}`,
      `@RG\tID:${sample}\tSM:${sample}`,
    ];
    for (let i = 0; i < 3000; i++) {
      const pos = from + Math.floor(random() * (to - from - 100));
      let seq = mutate(chr1.slice(pos, pos + 100), 0.01);
      const reverse = random() < 0.5;
      if (reverse)
        seq = [...seq]
          .reverse()
          .map((b) => complement[b] ?? 'N')
          .join('');
      const stored = reverse
        ? [...seq]
            .reverse()
            .map((b) => complement[b] ?? 'N')
            .join('')
        : seq;
      const qual = Array.from({ length: 100 }, () =>
        String.fromCharCode(33 + 20 + Math.floor(random() * 20)),
      ).join('');
      sam.push(
        `${sample}_r${i + 1}\t${reverse ? 16 : 0}\tchr1\t${pos + 1}\t60\t100M\t*\t0\t0\t${stored}\t${qual}\tRG:Z:${sample}`,
      );
    }
    const samPath = write(`reads/${sample}.sam`, `${sam.join('\n')}\n`);
    const bam = join(root, `reads/${sample}.bam`);
    execFileSync('samtools', ['sort', '--no-PG', '-o', bam, samPath]);
    execFileSync('samtools', ['index', bam]);
    execFileSync('rm', [samPath]);
  }
  // --no-PG keeps the bytes free of the command line, so regenerating changes nothing.
  const merged = join(root, 'reads/merged.bam');
  execFileSync('samtools', [
    'merge',
    '--no-PG',
    '-f',
    '-o',
    merged,
    ...['sampleA', 'sampleB'].map((s) => join(root, `reads/${s}.bam`)),
  ]);
  execFileSync('samtools', ['index', merged]);
}

/** Three classes for the multi-class path of sequence-classifier (appended last: the other samples keep their bytes). */
function threeClasses(): void {
  const motifs: Record<string, string | null> = { tata: 'TATAAT', ebox: 'CACGTG', background: null };
  const rows = ['task\tsequence\tlabel'];
  for (let i = 0; i < 60; i++) {
    for (const [label, motif] of Object.entries(motifs)) {
      const decoy = pick(['TATTAT', 'CACCTG']);
      const planted = motif ?? (i % 3 === 0 ? decoy : null);
      const seq = background(60, 0.5);
      rows.push(`motif\t${planted ? plant(seq, Math.floor(random() * 54), mutate(planted, 0.08)) : seq}\t${label}`);
    }
  }
  for (let i = 0; i < 30; i++) rows.push(`decoy\t${background(60)}\t${pick(Object.keys(motifs))}`);
  write('classes/three-class.tsv', `${rows.join('\n')}\n`);
}

promoters();
genomeAndVariants();
cohort();
threeClasses();
console.error(`samples written to ${root}`);
