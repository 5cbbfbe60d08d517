/**
 * FASTA/FASTQ throughput and memory: genoflow's fasta.read and fasta.fetch against samtools
 * (and plain `wc -l` / `gzip -dc` as the floor of reading the bytes at all) on the same
 * generated data, with genoflow's peak RSS at 1x and 10x the input.
 *
 *   node dist/bench/io/fasta.js [--reads 200000] [--regions 10000]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastaPlugin from '../../plugins/fasta/index.js';
import { Channel } from '../../src/engine/channel.js';
import { createLogger } from '../../src/engine/logger.js';
import { runStage } from '../../src/engine/stage-runner.js';
import type { SequenceRecord } from '../../src/plugin-api/index.js';
import {
  CONTIG_LENGTH,
  CONTIGS,
  generateReads,
  generateReference,
  generateRegions,
  READ_LENGTH,
} from './fasta-data.js';

const outDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../bench/out/fasta');

/** What one run reports: items are records (reads, contigs) or regions. */
interface Measure {
  items: number;
  bases: number;
  seconds: number;
  maxRssMb: number;
}

/** In the child: one fasta stage through the engine's stage runner, touching every record. */
async function measureGenoflow(
  stageName: 'read' | 'fetch',
  params: Record<string, unknown>,
): Promise<Measure> {
  const started = performance.now();
  const stage = fastaPlugin.stages[stageName];
  const output = new Channel<unknown>(1024);
  let items = 0;
  let bases = 0;
  const consuming = (async () => {
    for await (const batch of output.batches()) {
      for (const record of batch.records as Array<SequenceRecord & { qual?: string }>) {
        items++;
        bases += record.seq.length;
        if (record.qual !== undefined && record.qual.length !== record.seq.length)
          throw new Error('bad qual');
      }
    }
  })();
  await runStage({
    stage,
    stageName: 'bench',
    params: stage.params.parse(params),
    inputs: {},
    outputs: [output],
    signal: new AbortController().signal,
    log: createLogger('warn', 'bench'),
    scratchDir: join(outDir, 'scratch'),
    checkpointDir: join(outDir, 'checkpoint'),
    threads: 1,
    baseDir: process.cwd(),
    run: { id: 'bench', command: 'bench/io/fasta', genoflowVersion: 'bench' },
    stdin: () => process.stdin,
    stdout: () => process.stdout,
  });
  await consuming;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  return { items, bases, seconds: (performance.now() - started) / 1000, maxRssMb };
}

/** Runs this script as a child process, so its time and RSS are its own. */
function child(stage: 'read' | 'fetch', params: Record<string, unknown>): Measure {
  const args = [fileURLToPath(import.meta.url), '--child', stage, JSON.stringify(params)];
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`child ${stage} failed with status ${result.status}`);
  return JSON.parse(result.stdout.toString()) as Measure;
}

/** A peer command (a shell line) timed as a whole process, its output to /dev/null. */
function peer(command: string, items: number, bases: number): Measure {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', 'sh', '-c', `${command} > /dev/null`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  const maxRss = Number(result.stderr.toString().trim().split('\n').at(-1));
  return { items, bases, seconds, maxRssMb: maxRss / 1024 };
}

/** `samtools faidx -r` output of a regions file, counted: the bases samtools gives. */
function samtoolsBases(reference: string, regions: string): number {
  const script = `samtools faidx -r '${regions}' '${reference}' | grep -v '^>' | tr -d '\\n' | wc -c`;
  return Number(execFileSync('sh', ['-c', script]).toString());
}

function row(label: string, m: Measure, base: Measure, unit: 'Mbases/s' | 'regions/s'): string {
  const rate = unit === 'regions/s' ? m.items / m.seconds : m.bases / 1e6 / m.seconds;
  const baseRate = unit === 'regions/s' ? base.items / base.seconds : base.bases / 1e6 / base.seconds;
  return [
    label.padEnd(44),
    String(m.items).padStart(9),
    m.seconds.toFixed(2).padStart(7),
    `${rate.toFixed(rate < 100 ? 1 : 0)} ${unit}`.padStart(18),
    `${(rate / baseRate).toFixed(2)}x`.padStart(7),
    m.maxRssMb.toFixed(0).padStart(7),
  ].join('  ');
}

function check(what: string, got: Measure, expected: Measure): void {
  if (got.items !== expected.items || got.bases !== expected.bases) {
    throw new Error(
      `${what}: ${got.items} items / ${got.bases} bases, expected ${expected.items} / ${expected.bases}`,
    );
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const measure = await measureGenoflow(args[1] as 'read' | 'fetch', JSON.parse(args[2]!));
    process.stdout.write(JSON.stringify(measure));
    return;
  }
  const option = (name: string, fallback: number) => {
    const at = args.indexOf(`--${name}`);
    return Number(at >= 0 ? args[at + 1] : fallback);
  };
  const reads = option('reads', 200_000);
  const regionCount = option('regions', 10_000);
  console.error(
    `generating a ${(CONTIGS * CONTIG_LENGTH) / 1e6} Mbp reference, ${reads} and ${reads * 10} reads in ${outDir}`,
  );
  const reference = generateReference(outDir);
  const fastq = generateReads(outDir, reads);
  const fastq10 = generateReads(outDir, reads * 10);
  const regions = generateRegions(outDir, regionCount);
  const regions10 = generateRegions(outDir, regionCount * 10);
  const genome = CONTIGS * CONTIG_LENGTH;
  const readBases = reads * READ_LENGTH;

  // reading the reference: samtools parses it all to build the .fai
  const unindexed = join(outDir, 'ref-copy.fa');
  copyFileSync(reference, unindexed);
  rmSync(`${unindexed}.fai`, { force: true });
  const faidxBuild = peer(`samtools faidx '${unindexed}'`, CONTIGS, genome);
  const refRead = child('read', { path: reference });
  check('fasta.read reference', refRead, faidxBuild);

  // reading reads: samtools fqidx parses every record to build its index
  rmSync(`${fastq}.fai`, { force: true });
  const fqidx = peer(`samtools fqidx '${fastq}'`, reads, readBases);
  const wc = peer(`wc -l '${fastq}'`, reads, readBases);
  const gunzip = peer(`gzip -dc '${fastq}.gz'`, reads, readBases);
  const fqRead = child('read', { path: fastq });
  const gzRead = child('read', { path: `${fastq}.gz` });
  const fqRead10 = child('read', { path: fastq10 });
  check('fasta.read FASTQ', fqRead, fqidx);
  check('fasta.read FASTQ gz', gzRead, fqidx);
  check('fasta.read FASTQ 10x', fqRead10, { ...fqidx, items: reads * 10, bases: readBases * 10 });

  // random access: the same regions through samtools faidx and fasta.fetch
  const regionBases = samtoolsBases(reference, regions);
  const faidx = peer(`samtools faidx -r '${regions}' '${reference}'`, regionCount, regionBases);
  const faidxGz = peer(`samtools faidx -r '${regions}' '${reference}.gz'`, regionCount, regionBases);
  const fetch = child('fetch', { reference, 'regions-file': regions });
  const fetchGz = child('fetch', { reference: `${reference}.gz`, 'regions-file': regions });
  const fetch10 = child('fetch', { reference, 'regions-file': regions10 });
  check('fasta.fetch', fetch, faidx);
  check('fasta.fetch bgzip', fetchGz, faidx);
  const faidx10 = peer(`samtools faidx -r '${regions10}' '${reference}'`, regionCount * 10, fetch10.bases);

  const header = ['what'.padEnd(44), 'items'.padStart(9), 'seconds'.padStart(7), 'rate'.padStart(18)];
  console.log(
    `FASTA/FASTQ, ${genome / 1e6} Mbp reference, ${reads} x ${READ_LENGTH} bp reads; ratio = rate vs the first row of its block`,
  );
  console.log([...header, 'ratio'.padStart(7), 'RSS MB'.padStart(7)].join('  '));
  console.log(row('samtools faidx (build .fai: parse 10 Mbp)', faidxBuild, faidxBuild, 'Mbases/s'));
  console.log(row('genoflow fasta.read reference', refRead, faidxBuild, 'Mbases/s'));
  console.log(row('samtools fqidx (build index: parse FASTQ)', fqidx, fqidx, 'Mbases/s'));
  console.log(row('wc -l FASTQ (floor: read the bytes)', wc, fqidx, 'Mbases/s'));
  console.log(row('genoflow fasta.read FASTQ', fqRead, fqidx, 'Mbases/s'));
  console.log(row('genoflow fasta.read FASTQ (10x)', fqRead10, fqidx, 'Mbases/s'));
  console.log(row('gzip -dc FASTQ.gz (floor: inflate)', gunzip, gunzip, 'Mbases/s'));
  console.log(row('genoflow fasta.read FASTQ.gz', gzRead, gunzip, 'Mbases/s'));
  console.log(row(`samtools faidx -r (${regionCount} regions)`, faidx, faidx, 'regions/s'));
  console.log(row('genoflow fasta.fetch', fetch, faidx, 'regions/s'));
  console.log(row('samtools faidx -r bgzip reference', faidxGz, faidxGz, 'regions/s'));
  console.log(row('genoflow fasta.fetch bgzip reference', fetchGz, faidxGz, 'regions/s'));
  console.log(row(`samtools faidx -r (${regionCount * 10} regions)`, faidx10, faidx10, 'regions/s'));
  console.log(row('genoflow fasta.fetch (10x regions)', fetch10, faidx10, 'regions/s'));
  console.log(
    `genoflow peak RSS: fasta.read FASTQ ${fqRead.maxRssMb.toFixed(0)} MB at 1x, ${fqRead10.maxRssMb.toFixed(0)} MB at 10x; ` +
      `fasta.fetch ${fetch.maxRssMb.toFixed(0)} MB at 1x, ${fetch10.maxRssMb.toFixed(0)} MB at 10x regions`,
  );
}

await main();
