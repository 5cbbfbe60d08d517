/**
 * BAM reading throughput and memory: genoflow's bam.read (from a file and from stdin)
 * against `samtools view` on the same generated data, with @gmod/bam as a second
 * reference point, and genoflow's peak RSS at 1x and 10x the reads.
 *
 *   node dist/bench/io/bam.js [--reads 400000]      (--reads 2000000 for the full figure)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BamFile } from '@gmod/bam';
import bamPlugin from '../../plugins/bam/index.js';
import type { BamRecord } from '../../plugins/bam/record.js';
import { Channel } from '../../src/engine/channel.js';
import { createLogger } from '../../src/engine/logger.js';
import { runStage } from '../../src/engine/stage-runner.js';

const REFERENCE_LENGTH = 10_000_000;
const READ_LENGTH = 150;
const outDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../bench/out/bam');

/** What a child run reports. */
interface Measure {
  records: number;
  bases: number;
  qualSum: number;
  seconds: number;
  maxRssMb: number;
}

/** A small deterministic PRNG (mulberry32), so every run benchmarks the same data. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes a 10 Mbp random contig and `reads` sorted 150 bp reads on it as SAM, then BAM + index. */
function generate(reads: number): string {
  const bam = join(outDir, `reads-${reads}.bam`);
  if (existsSync(`${bam}.bai`)) return bam;
  mkdirSync(outDir, { recursive: true });
  const next = random(42);
  const bases = 'ACGT';
  const reference = Buffer.alloc(REFERENCE_LENGTH);
  for (let i = 0; i < REFERENCE_LENGTH; i++) reference[i] = bases.charCodeAt((next() * 4) | 0);
  const starts = Float64Array.from({ length: reads }, () =>
    Math.floor(next() * (REFERENCE_LENGTH - READ_LENGTH)),
  ).sort();
  const sam = join(outDir, `reads-${reads}.sam`);
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
  return bam;
}

/** In the child: bam.read through the engine's stage runner, touching seq and qual of every record. */
async function measureGenoflow(path: string, fromStdin: boolean): Promise<Measure> {
  const started = performance.now();
  const output = new Channel<unknown>(1024);
  let records = 0;
  let bases = 0;
  let qualSum = 0;
  const consuming = (async () => {
    for await (const batch of output.batches()) {
      for (const record of batch as BamRecord[]) {
        records++;
        bases += record.seq.length;
        const qual = record.qual;
        for (let i = 0; i < qual.length; i++) qualSum += qual.charCodeAt(i) - 33;
      }
    }
  })();
  await runStage({
    stage: bamPlugin.stages.read,
    stageName: 'bench',
    params: bamPlugin.stages.read.params.parse({ path: fromStdin ? '-' : path }),
    inputs: {},
    outputs: [output],
    signal: new AbortController().signal,
    log: createLogger('warn', 'bench'),
    scratchDir: join(outDir, 'scratch'),
    checkpointDir: join(outDir, 'checkpoint'),
    threads: 2,
    baseDir: process.cwd(),
    stdin: () => process.stdin,
    stdout: () => process.stdout,
  });
  await consuming;
  return { records, bases, qualSum, seconds: (performance.now() - started) / 1000, maxRssMb: maxRssMb() };
}

/** In the child: @gmod/bam's region query over the whole contig, touching seq and qual. */
async function measureGmod(path: string): Promise<Measure> {
  const started = performance.now();
  const file = new BamFile({ bamPath: path, baiPath: `${path}.bai` });
  await file.getHeader();
  let records = 0;
  let bases = 0;
  let qualSum = 0;
  for (const record of await file.getRecordsForRange('chr1', 0, REFERENCE_LENGTH)) {
    records++;
    bases += record.seq.length;
    for (const q of record.qual ?? []) qualSum += q;
  }
  return { records, bases, qualSum, seconds: (performance.now() - started) / 1000, maxRssMb: maxRssMb() };
}

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Runs this script as a child process in `mode`, so its time and RSS are its own. */
function child(mode: string, path: string): Measure {
  const input = mode === 'stdin' ? openSync(path, 'r') : 'ignore';
  const result = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, path], {
    stdio: [input, 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (typeof input === 'number') closeSync(input);
  if (result.status !== 0) throw new Error(`child ${mode} failed with status ${result.status}`);
  return JSON.parse(result.stdout.toString()) as Measure;
}

/** `samtools view` of the BAM as SAM text to /dev/null, timed as a whole process. */
function samtoolsView(path: string, fromStdin: boolean): Measure {
  const devNull = openSync('/dev/null', 'w');
  const input = fromStdin ? openSync(path, 'r') : 'ignore';
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', 'samtools', 'view', fromStdin ? '-' : path], {
    stdio: [input, devNull, 'pipe'],
  });
  const seconds = (performance.now() - started) / 1000;
  closeSync(devNull);
  if (typeof input === 'number') closeSync(input);
  if (result.status !== 0) throw new Error(`samtools view failed: ${result.stderr}`);
  const records = Number(execFileSync('samtools', ['view', '-c', path]).toString());
  const maxRss = Number(result.stderr.toString().trim().split('\n').at(-1));
  return { records, bases: 0, qualSum: 0, seconds, maxRssMb: maxRss / 1024 };
}

function row(label: string, m: Measure, peer: Measure): string {
  const rate = m.records / m.seconds;
  const ratio = rate / (peer.records / peer.seconds);
  return [
    label.padEnd(34),
    String(m.records).padStart(10),
    m.seconds.toFixed(2).padStart(8),
    Math.round(rate).toLocaleString('en-US').padStart(12),
    `${ratio.toFixed(2)}x`.padStart(8),
    m.maxRssMb.toFixed(0).padStart(8),
  ].join('  ');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [, mode, path] = args as [string, string, string];
    const measure = mode === 'gmod' ? await measureGmod(path) : await measureGenoflow(path, mode === 'stdin');
    process.stdout.write(JSON.stringify(measure));
    return;
  }
  const readsArg = args.indexOf('--reads');
  const reads = Number(readsArg >= 0 ? args[readsArg + 1] : (process.env.BAM_BENCH_READS ?? 400_000));
  console.error(
    `generating ${reads} reads of ${READ_LENGTH} bp on a ${REFERENCE_LENGTH / 1e6} Mbp contig in ${outDir}`,
  );
  const bam = generate(reads);
  const bam10 = join(outDir, `reads-${reads}-x10.bam`);
  if (!existsSync(bam10)) execFileSync('samtools', ['cat', '-o', bam10, ...Array(10).fill(bam)]);

  const samtools = samtoolsView(bam, false);
  const samtoolsStdin = samtoolsView(bam, true);
  const file = child('file', bam);
  const stdin = child('stdin', bam);
  const gmod = child('gmod', bam);
  const file10 = child('file', bam10);
  const samtools10 = samtoolsView(bam10, false);
  for (const m of [file, stdin, gmod]) {
    if (m.records !== samtools.records || m.bases !== reads * READ_LENGTH)
      throw new Error('record/base counts differ from samtools');
  }
  if (file.qualSum !== stdin.qualSum || file.qualSum !== gmod.qualSum)
    throw new Error('quality sums differ between readers');

  const header = [
    'reader'.padEnd(34),
    'records'.padStart(10),
    'seconds'.padStart(8),
    'records/s'.padStart(12),
    'ratio'.padStart(8),
    'RSS MB'.padStart(8),
  ];
  console.log(
    `BAM read, ${reads} x ${READ_LENGTH} bp reads (seq+qual touched); ratio = records/s vs samtools view (1 thread, SAM to /dev/null)`,
  );
  console.log(header.join('  '));
  console.log(row('samtools view FILE', samtools, samtools));
  console.log(row('samtools view - (stdin)', samtoolsStdin, samtools));
  console.log(row('genoflow bam.read FILE', file, samtools));
  console.log(row('genoflow bam.read - (stdin)', stdin, samtools));
  console.log(row('@gmod/bam getRecordsForRange', gmod, samtools));
  console.log(row('samtools view FILE (10x)', samtools10, samtools10));
  console.log(row('genoflow bam.read FILE (10x)', file10, samtools10));
  console.log(
    `genoflow peak RSS: ${file.maxRssMb.toFixed(0)} MB at 1x, ${file10.maxRssMb.toFixed(0)} MB at 10x`,
  );
}

await main();
