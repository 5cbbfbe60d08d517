import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateVcf } from './generate-vcf.js';

/*
 * VCF I/O benchmark: genoflow vs bcftools on the same generated VCF (10 samples, a 10 Mbp
 * contig). `node dist/bench/io/vcf.js [--records N]` (default 200,000; 1,000,000 for the
 * full figure). Peak RSS of the genoflow side at 1x and 10x records shows memory is flat.
 */
const argIndex = process.argv.indexOf('--records');
const records = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 200_000;
const outDir = join(import.meta.dirname, '../../../bench/out');
const harness = join(import.meta.dirname, 'vcf-harness.js');
mkdirSync(outDir, { recursive: true });

async function dataFile(n: number): Promise<string> {
  const path = join(outDir, `bench-${n}.vcf`);
  if (!existsSync(path)) await generateVcf(path, n);
  return path;
}

interface Timing {
  seconds: number;
  maxRssKb: number;
  output: number;
}

function timeBcftools(args: string[], input: string): Timing {
  const started = performance.now();
  const result = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', 'sh', '-c', `bcftools ${args.join(' ')} '${input}' | wc -c`],
    {
      encoding: 'utf8',
    },
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    maxRssKb: Number(result.stderr.trim().split('\n').pop()),
    output: Number(result.stdout.trim()),
  };
}

function timeGenoflow(mode: string, input: string): Timing {
  const result = spawnSync('sh', ['-c', `node '${harness}' ${mode} '${input}' | wc -c`], {
    encoding: 'utf8',
  });
  const stats = JSON.parse(result.stderr.trim().split('\n').pop()!) as { seconds: number; maxRssKb: number };
  return { seconds: stats.seconds, maxRssKb: stats.maxRssKb, output: Number(result.stdout.trim()) };
}

const small = await dataFile(records);
const large = await dataFile(records * 10);
const query = `-f '%CHROM\\t%POS\\t%REF\\t%ALT[\\t%GT]\\n'`;
const rows: string[][] = [];
const rate = (t: Timing, n: number) => Math.round(n / t.seconds).toLocaleString('en');
for (const [label, file, n] of [
  ['1x', small, records],
  ['10x', large, records * 10],
] as const) {
  const mb = (statSync(file).size / 1e6).toFixed(0);
  const pass = timeGenoflow('passthrough', file);
  const passPeer = timeBcftools(['view', '-Ov'], file);
  const q = timeGenoflow('query', file);
  const qPeer = timeBcftools(['query', query], file);
  rows.push(
    [
      `passthrough ${label} (${n.toLocaleString('en')} rec, ${mb} MB)`,
      rate(pass, n),
      rate(passPeer, n),
      (passPeer.seconds / pass.seconds).toFixed(2),
      `${(pass.maxRssKb / 1024).toFixed(0)} MB`,
    ],
    [
      `query CHROM..ALT+GT ${label}`,
      rate(q, n),
      rate(qPeer, n),
      (qPeer.seconds / q.seconds).toFixed(2),
      `${(q.maxRssKb / 1024).toFixed(0)} MB`,
    ],
  );
}
const head = ['benchmark', 'genoflow rec/s', 'bcftools rec/s', 'ratio (>1 = faster)', 'genoflow peak RSS'];
console.log([head, ...rows].map((r) => r.join('\t')).join('\n'));
console.error(
  `bcftools ${execFileSync('bcftools', ['--version']).toString().split('\n')[0]}, node ${process.version}`,
);
