import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchOut, bestOfInterleaved, genoflowCli, intArg, measure, printTable } from '../lib.js';
import { generateVcf } from './generate-vcf.js';

/*
 * BCF read speed: genoflow `vcf.read(-) -> vcf.write(-)` (BCF in, VCF text out) vs
 * `bcftools view -Ov` on the same BCF, both reading it from stdin (`cat file |`), for the
 * BGZF (`-Ob`) and the uncompressed (`-Ou`) form of a generated VCF (10 samples).
 * `node dist/bench/io/bcf.js [--records N]` (default 200,000). Best of 3 interleaved runs;
 * the records genoflow prints are checked once against bcftools' before timing.
 */
const records = intArg('records', 200_000);
const out = benchOut('io/bcf');
const vcf = join(out, `bcf-${records}.vcf`);
if (!existsSync(vcf)) await generateVcf(vcf, records);
const workflow = join(out, 'bcf-to-vcf.yaml');
writeFileSync(
  workflow,
  `name: bcf-to-vcf
stages:
  in: { uses: vcf.read, with: { path: "-" } }
  out: { uses: vcf.write, from: in, with: { path: "-" } }
`,
);
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const rows: (string | number)[][] = [];
for (const kind of ['b', 'u'] as const) {
  const bcf = join(out, `bcf-${records}.${kind}.bcf-out`);
  if (!existsSync(bcf)) measure(`bcftools view -O${kind} -o ${quote(bcf)} ${quote(vcf)}`);
  const commands = {
    bcftools: `cat ${quote(bcf)} | bcftools view -Ov`,
    genoflow: `cat ${quote(bcf)} | node ${quote(genoflowCli)} run ${quote(workflow)} -q`,
  };
  const dataLines = (text: string) => text.slice(text.indexOf('\n#CHROM') + 1).replace(/^#CHROM.*\n/, '');
  const check = Object.fromEntries(
    Object.entries(commands).map(([name, command]) => [
      name,
      dataLines(measure(command, { cwd: out }).stdout),
    ]),
  );
  if (check.genoflow !== check.bcftools)
    throw new Error(`-O${kind}: genoflow's records differ from bcftools view`);
  const best = bestOfInterleaved(commands, 3, { cwd: out });
  const rate = (s: number) => Math.round(records / s).toLocaleString('en');
  rows.push([
    `-O${kind} (${(readFileSync(bcf).length / 1e6).toFixed(1)} MB)`,
    `${best.genoflow!.seconds.toFixed(2)} s`,
    rate(best.genoflow!.seconds),
    `${best.bcftools!.seconds.toFixed(2)} s`,
    rate(best.bcftools!.seconds),
    (best.bcftools!.seconds / best.genoflow!.seconds).toFixed(2),
    `${best.genoflow!.maxRssMb.toFixed(0)} MB`,
  ]);
}
printTable(
  `BCF read, ${records.toLocaleString('en')} records x 10 samples, stdin -> VCF text`,
  [
    'BCF',
    'genoflow',
    'genoflow rec/s',
    'bcftools -Ov',
    'bcftools rec/s',
    'speed vs bcftools',
    'genoflow RSS',
  ],
  rows,
);
