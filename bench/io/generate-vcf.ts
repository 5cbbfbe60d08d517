import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/**
 * Writes a deterministic VCF: `records` sites over a synthetic 10 Mbp contig, 10 samples,
 * SNPs and short indels, some multi-allelic, phased and missing genotypes.
 */
export async function generateVcf(path: string, records: number): Promise<void> {
  const samples = Array.from({ length: 10 }, (_, i) => `S${i + 1}`);
  const out = createWriteStream(path);
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const bases = 'ACGT';
  const header = [
    '##fileformat=VCFv4.2',
    '##contig=<ID=chrS,length=10000000>',
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
    `#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t${samples.join('\t')}`,
  ];
  let chunk = `${header.join('\n')}\n`;
  const step = 10_000_000 / records;
  for (let i = 0; i < records; i++) {
    const pos = 1 + Math.floor(i * step);
    const ref = bases[Math.floor(rand() * 4)]!;
    const r = rand();
    const alt =
      r < 0.8
        ? bases[(bases.indexOf(ref) + 1) % 4]!
        : r < 0.9
          ? `${ref}T`
          : `${bases[(bases.indexOf(ref) + 2) % 4]},${bases[(bases.indexOf(ref) + 3) % 4]}`;
    const nAlt = alt.includes(',') ? 2 : 1;
    const gts = samples.map(() => {
      const g = rand();
      if (g < 0.05) return './.:.:.';
      const a = Math.floor(rand() * (nAlt + 1));
      const b = Math.floor(rand() * (nAlt + 1));
      return `${a}${g < 0.5 ? '|' : '/'}${b}:${Math.floor(rand() * 60)}:${Math.floor(rand() * 99)}`;
    });
    const af = Array.from({ length: nAlt }, () => (rand() / 2).toFixed(3)).join(',');
    chunk += `chrS\t${pos}\trs${i}\t${ref}\t${alt}\t${(rand() * 100).toFixed(1)}\tPASS\tDP=${Math.floor(rand() * 500)};AF=${af}\tGT:DP:GQ\t${gts.join('\t')}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
