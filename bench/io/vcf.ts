import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateVcf } from './generate-vcf.js';

/*
 * VCF I/O benchmark through the real CLI: genoflow vs bcftools on the same generated VCF
 * (10 samples, one 10 Mbp contig), both reading it from stdin (`cat file |`).
 *   passthrough: vcf.read(-) -> vcf.write(-)              vs  bcftools view -Ov
 *   query:       vcf.read(-) -> vcf.query -> text.write(-) vs  bcftools query -f FORMAT
 * `node dist/bench/io/vcf.js [--records N]` (default 200,000 = 1x; 10x is run too). Runs
 * are interleaved (peer, ours) 3 times and the best of each is reported; peak RSS comes
 * from /usr/bin/time -f %M. The outputs are checked once at 1x: ours passthrough equals
 * the input, ours query equals bcftools' byte for byte.
 */
const argIndex = process.argv.indexOf('--records');
const records = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 200_000;
const root = join(import.meta.dirname, '../../..');
const outDir = join(root, 'bench/out/io');
const cli = join(root, 'dist/src/cli/main.js');
const FORMAT = String.raw`%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n`;
const REPEATS = 3;
mkdirSync(outDir, { recursive: true });

const workflows = {
  passthrough: writeWorkflow(
    'vcf-passthrough',
    `  in: { uses: vcf.read, with: { path: "-" } }
  out: { uses: vcf.write, from: in, with: { path: "-" } }`,
  ),
  query: writeWorkflow(
    'vcf-query',
    `  in: { uses: vcf.read, with: { path: "-" } }
  query: { uses: vcf.query, from: in, with: { format: '${FORMAT}' } }
  out: { uses: text.write, from: query, with: { path: "-" } }`,
  ),
};

function writeWorkflow(name: string, stages: string): string {
  const path = join(outDir, `${name}.yaml`);
  writeFileSync(path, `name: ${name}\nstages:\n${stages}\n`);
  return path;
}

async function dataFile(n: number): Promise<string> {
  const path = join(outDir, `vcf-${n}.vcf`);
  if (!existsSync(path)) await generateVcf(path, n);
  return path;
}

interface Timing {
  seconds: number;
  maxRssKb: number;
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const bcftools = {
  passthrough: 'bcftools view -Ov',
  query: `bcftools query -f ${quote(FORMAT)}`,
};
const genoflow = (mode: keyof typeof workflows) => `node ${quote(cli)} run ${quote(workflows[mode])} -q`;

/** Wall time of `cat input | command > output`, and the command's peak RSS. */
function time(command: string, input: string, output = '/dev/null'): Timing {
  const work = join(outDir, 'run');
  rmSync(work, { recursive: true, force: true }); // the CLI spools stdin into its work dir
  mkdirSync(work);
  const rss = join(work, 'rss.txt');
  const started = performance.now();
  const result = spawnSync(
    'sh',
    ['-c', `cat ${quote(input)} | /usr/bin/time -f %M -o ${quote(rss)} ${command} > ${quote(output)}`],
    { cwd: work, encoding: 'utf8' },
  );
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  const timing = { seconds, maxRssKb: Number(readFileSync(rss, 'utf8').trim().split('\n').pop()) };
  rmSync(work, { recursive: true, force: true });
  return timing;
}

function best(timings: Timing[]): Timing {
  return timings.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

function checkOutputs(input: string): void {
  const ours = join(outDir, 'check-ours.txt');
  const theirs = join(outDir, 'check-theirs.txt');
  time(genoflow('passthrough'), input, ours);
  if (!readFileSync(ours).equals(readFileSync(input)))
    throw new Error('passthrough output differs from the input');
  time(genoflow('query'), input, ours);
  time(bcftools.query, input, theirs);
  if (!readFileSync(ours).equals(readFileSync(theirs)))
    throw new Error('query output differs from bcftools query');
  rmSync(ours);
  rmSync(theirs);
}

const small = await dataFile(records);
const large = await dataFile(records * 10);
checkOutputs(small);
const header = join(outDir, 'vcf-header-only.vcf');
writeFileSync(header, `${execFileSync('bcftools', ['view', '-h', small]).toString()}`);
const startup = best([1, 2, 3].map(() => time(genoflow('passthrough'), header)));

const rows: string[][] = [];
const rate = (t: Timing, n: number) => Math.round(n / t.seconds).toLocaleString('en');
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
for (const [label, file, n] of [
  ['1x', small, records],
  ['10x', large, records * 10],
] as const) {
  const size = `${(statSync(file).size / 1e6).toFixed(0)} MB`;
  for (const mode of ['passthrough', 'query'] as const) {
    const peer: Timing[] = [];
    const ours: Timing[] = [];
    for (let i = 0; i < REPEATS; i++) {
      peer.push(time(bcftools[mode], file));
      ours.push(time(genoflow(mode), file));
    }
    const [p, o] = [best(peer), best(ours)];
    rows.push([
      `${mode} ${label} (${n.toLocaleString('en')} rec, ${size})`,
      `${o.seconds.toFixed(2)} s`,
      rate(o, n),
      `${p.seconds.toFixed(2)} s`,
      rate(p, n),
      (p.seconds / o.seconds).toFixed(2),
      mb(o.maxRssKb),
      mb(p.maxRssKb),
    ]);
  }
}
const head = [
  'benchmark (stdin)',
  'genoflow',
  'genoflow rec/s',
  'bcftools',
  'bcftools rec/s',
  'ratio (>1 = genoflow faster)',
  'genoflow peak RSS',
  'bcftools peak RSS',
];
console.log([head, ...rows].map((r) => r.join('\t')).join('\n'));
console.log(
  `genoflow CLI fixed cost (header-only input): ${startup.seconds.toFixed(2)} s, ${mb(startup.maxRssKb)}; best of ${REPEATS}, interleaved`,
);
console.error(
  `bcftools ${execFileSync('bcftools', ['--version']).toString().split('\n')[0]}, node ${process.version}; outputs checked at 1x`,
);
