/**
 * BAM reading through the real CLI: the workflow `bam.read → bam.stats → table.write`
 * (every read's seq and qual touched) from a file and from stdin, against `samtools view`
 * (SAM text to /dev/null) and `samtools stats` on the same generated BAM. Commands run
 * interleaved, best of --rounds; peak RSS at 1x and 10x the reads shows memory is flat.
 *
 *   node dist/bench/io/bam.js [--reads 400000] [--rounds 3]   (--reads 2000000 for the full figure)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchOut, fixed, genoflowCli, intArg, printTable } from '../lib.js';
import { generateBam, READ_LENGTH, REFERENCE_LENGTH, repeatedBam } from './bam-data.js';

const reads = intArg('reads', Number(process.env.BAM_BENCH_READS ?? 400_000));
const rounds = intArg('rounds', 3);
const dir = benchOut('bam');
const workDir = join(dir, 'work');

const WORKFLOW = `name: bam-stats
description: Summary numbers of a BAM (bam.stats touches every read's seq and qual)
params:
  bam: "-"
stages:
  reads:
    uses: bam.read
    with: { path: "\${params.bam}" }
  summary:
    uses: bam.stats
    from: reads
  out:
    uses: table.write
    from: summary
    with: { path: "-" }
`;
const workflow = join(dir, 'bam-stats.yaml');
writeFileSync(workflow, WORKFLOW);

const genoflow = (input: string) =>
  `node ${genoflowCli} run ${workflow} -q --work-dir ${workDir} ${input === '-' ? '' : `-p bam=${input}`}`;

/** The commands compared on one BAM, by label. */
function commands(bam: string): Record<string, string> {
  return {
    'samtools view FILE': `samtools view ${bam} > /dev/null`,
    'samtools view - (stdin)': `samtools view - < ${bam} > /dev/null`,
    'samtools stats FILE': `samtools stats ${bam} > /dev/null`,
    'genoflow bam.read FILE → bam.stats': `${genoflow(bam)} > /dev/null`,
    'genoflow bam.read - (stdin) → bam.stats': `${genoflow('-')} < ${bam} > /dev/null`,
  };
}

interface Timed {
  seconds: number;
  /** User + system CPU seconds of the command and its children. */
  cpu: number;
  maxRssMb: number;
}

/** Runs a shell command under /usr/bin/time: wall and CPU seconds, peak RSS of its largest process. */
function timed(command: string): Timed {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', 'time=%U %S %M', 'sh', '-c', command], {
    cwd: dir,
    encoding: 'utf8',
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0)
    throw new Error(`${command} failed (${result.status}):\n${result.stderr.slice(-2000)}`);
  const [user, system, rssKb] = /time=(\S+) (\S+) (\d+)/.exec(result.stderr)!.slice(1).map(Number) as [
    number,
    number,
    number,
  ];
  return { seconds, cpu: user + system, maxRssMb: rssKb / 1024 };
}

/**
 * Runs the commands interleaved (a, b, c, a, b, c, ...), keeping each one's best time (with
 * that run's CPU) and its highest peak RSS.
 */
function bestOf(labelled: Record<string, string>): Record<string, Timed> {
  const best: Record<string, Timed> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [label, command] of Object.entries(labelled)) {
      rmSync(workDir, { recursive: true, force: true }); // the spooled stdin of the last run
      const m = timed(command);
      const seen = best[label];
      const maxRssMb = Math.max(m.maxRssMb, seen?.maxRssMb ?? 0);
      best[label] = { ...(!seen || m.seconds < seen.seconds ? m : seen), maxRssMb };
    }
  }
  return best;
}

/** bam.stats' summary of `bam` must equal the SN lines of samtools stats. */
function checkAgainstSamtools(bam: string): void {
  const [header, values] = execFileSync('sh', ['-c', genoflow(bam)], { cwd: dir, encoding: 'utf8' })
    .trim()
    .split('\n');
  const ours = Object.fromEntries(header!.split('\t').map((k, i) => [k, Number(values!.split('\t')[i])]));
  const sn = new Map(
    execFileSync('samtools', ['stats', bam], { encoding: 'utf8', maxBuffer: 1 << 26 })
      .split('\n')
      .filter((l) => l.startsWith('SN\t'))
      .map((l) => [l.split('\t')[1]!.replace(/:$/, ''), l.split('\t')[2]!]),
  );
  const pairs: [string, string, string][] = [
    ['reads', String(ours.reads), sn.get('raw total sequences')!],
    ['mapped', String(ours.mapped), sn.get('reads mapped')!],
    ['bases', String(ours.bases), sn.get('total length')!],
    ['meanQuality', ours.meanQuality!.toFixed(1), sn.get('average quality')!],
  ];
  for (const [what, got, expected] of pairs) {
    if (got !== expected) throw new Error(`bam.stats ${what} is ${got}, samtools stats says ${expected}`);
  }
  if (ours.reads !== reads) throw new Error(`bam.stats counted ${ours.reads} reads, expected ${reads}`);
}

function rows(results: Record<string, Timed>, n: number): string[][] {
  const view = results['samtools view FILE']!;
  const stats = results['samtools stats FILE']!;
  return Object.entries(results).map(([label, m]) => [
    label,
    n.toLocaleString('en'),
    fixed(m.seconds),
    Math.round(n / m.seconds).toLocaleString('en'),
    `${fixed(view.seconds / m.seconds)}x`,
    `${fixed(stats.seconds / m.seconds)}x`,
    fixed(m.cpu),
    `${fixed(view.cpu / m.cpu)}x`,
    fixed(m.maxRssMb, 0),
  ]);
}

console.error(
  `bam bench: ${reads} reads of ${READ_LENGTH} bp on a ${REFERENCE_LENGTH / 1e6} Mbp contig in ${dir}`,
);
const bam = generateBam(dir, reads);
const bam10 = repeatedBam(bam, 10);
const tiny = generateBam(dir, 1000);
checkAgainstSamtools(bam);

const startup = bestOf({ 'genoflow, 1,000 reads (fixed cost)': `${genoflow(tiny)} > /dev/null` });
const x1 = bestOf(commands(bam));
const x10 = bestOf(commands(bam10));
const header = [
  'command',
  'reads',
  'seconds',
  'reads/s',
  'vs view',
  'vs stats',
  'CPU s',
  'CPU vs view',
  'peak RSS MB',
];
printTable(`BAM → seq+qual summary, 1x (best of ${rounds}, interleaved)`, header, rows(x1, reads));
printTable(`BAM → seq+qual summary, 10x (best of ${rounds}, interleaved)`, header, rows(x10, reads * 10));

const fixedCost = startup['genoflow, 1,000 reads (fixed cost)']!;
const file1 = x1['genoflow bam.read FILE → bam.stats']!;
const file10 = x10['genoflow bam.read FILE → bam.stats']!;
const stdin1 = x1['genoflow bam.read - (stdin) → bam.stats']!;
const stdin10 = x10['genoflow bam.read - (stdin) → bam.stats']!;
const view10 = x10['samtools view FILE']!;
console.log(
  `\ngenoflow fixed cost (start-up, plugin loading, a 1,000-read BAM): ${fixed(fixedCost.seconds)} s, ${fixed(fixedCost.maxRssMb, 0)} MB`,
);
console.log(
  `genoflow 10x without the fixed cost: ${Math.round((reads * 10) / (file10.seconds - fixedCost.seconds)).toLocaleString('en')} reads/s ` +
    `(${fixed(view10.seconds / (file10.seconds - fixedCost.seconds))}x samtools view)`,
);
console.log(
  `genoflow peak RSS: file ${fixed(file1.maxRssMb, 0)} MB at 1x, ${fixed(file10.maxRssMb, 0)} MB at 10x; ` +
    `stdin ${fixed(stdin1.maxRssMb, 0)} MB at 1x, ${fixed(stdin10.maxRssMb, 0)} MB at 10x`,
);
rmSync(workDir, { recursive: true, force: true });
