/**
 * kmer.encode throughput, k=6 over 150 bp reads from FASTA: the stage in the main thread,
 * in a pool of 1 and of 2 threads, the kernel alone in memory (in this thread, and in a
 * pool of 1 and 2 threads), and a plain C loop at -O2 as the reference, also run as two
 * processes at once to show what the machine's two cores give at that moment; peak RSS at 1x and 10x input, and how busy the main thread is. Each child
 * run is repeated 3 times, interleaved, best kept. `node dist/bench/kmer/encode.js
 * [--reads N]` (default 500,000 reads; the 1x RSS point uses N/10).
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fastaBlocks } from '../../plugins/fasta/fasta-blocks.js';
import { read } from '../../plugins/fasta/read.js';
import { encode } from '../../plugins/kmer/encode.js';
import { encodeTask } from '../../plugins/kmer/encode-run.js';
import { packSequences } from '../../plugins/kmer/packed-sequences.js';
import type { FastaGroup } from '../../plugins/kmer/sequence-batches.js';
import { makeSpec, tokenizeRows } from '../../plugins/kmer/tokenizer.js';
import type { KmerResult, KmerTask } from '../../plugins/kmer/worker.js';
import { batchesOf, createPool, fastaRecords, type TokenBatch } from '../../src/plugin-api/index.js';
import { stageOutputForTest } from '../../src/plugin-api/testing.js';
import {
  arg,
  bestOfInterleaved,
  child,
  generateReads,
  outDir,
  peakRssMiB,
  READ_LENGTH,
  repoRoot,
  run,
  streamStage,
  table,
  threadCpuSeconds,
} from './common.js';

const PARAMS = { k: 6, 'max-tokens': 145 };

interface StageRun {
  seconds: number;
  bases: number;
  rows: number;
  rssMiB: number;
  /** CPU seconds of the main thread, where the platform tells. */
  mainCpu?: number;
}

async function childMain(mode: string, path: string, threads: number): Promise<void> {
  if (mode === 'kernel-pool') return kernelPoolMain(path, threads);
  let rows = 0;
  const cpuBefore = threadCpuSeconds();
  const reads = () => stageOutputForTest(read, { params: { path } });
  const started = performance.now();
  if (mode === 'read' || mode === 'parse') {
    for await (const block of batchesOf(reads())) {
      rows += mode === 'read' ? block.count : block.records.length;
    }
  } else {
    await streamStage(encode, PARAMS, reads(), threads, (batch: TokenBatch) => {
      rows += batch.rows;
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = threadCpuSeconds();
  const mainCpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  const bases = rows * READ_LENGTH;
  console.log(JSON.stringify({ seconds, bases, rows, rssMiB: peakRssMiB(), mainCpu } satisfies StageRun));
}

/**
 * The encode tasks of the whole file (its FASTA blocks, as `fasta.read` cuts them), built
 * before the clock starts, run through a pool of `threads` kmer workers: the worker's own
 * scaling with nothing at all done on the main thread.
 */
async function kernelPoolMain(path: string, threads: number): Promise<void> {
  const spec = makeSpec({ k: PARAMS.k, maxTokens: PARAMS['max-tokens'] });
  const groups: FastaGroup[] = [];
  for await (const fasta of fastaBlocks(
    createReadStream(path, { highWaterMark: 1 << 20 }),
    path,
    undefined,
  )) {
    groups.push({ fasta, batchRows: [fasta.records] });
  }
  const tasks = groups.map((group) => encodeTask(group, spec));
  const worker = fileURLToPath(new URL('../../plugins/kmer/worker.js', import.meta.url));
  const pool = createPool<KmerTask, KmerResult>({ worker, threads });
  // Started threads, so the clock sees the work only.
  const warmUp = tasks.splice(0, threads);
  await Promise.all(warmUp.map(({ task, transfer }) => pool.run(task, transfer)));
  async function* inputs() {
    yield* tasks;
  }
  const started = performance.now();
  let rows = 0;
  for await (const { input } of pool.map(inputs(), (task) => task)) {
    if (input.task.op === 'encode-fasta') rows += input.task.fasta.records;
  }
  const seconds = (performance.now() - started) / 1000;
  const bases = rows * READ_LENGTH;
  console.log(JSON.stringify({ seconds, bases, rows, rssMiB: peakRssMiB() } satisfies StageRun));
}

interface KernelRates {
  kernel: number;
  c: number;
  /** Two C loops at once, their bases over the slower one's time: what two cores give now. */
  cTwice: number;
}

/**
 * The kernel alone (`tokenizeRows`: WebAssembly, with its copies in and out) beside the C
 * loop, alone and two processes at once, best of 3 rounds each, interleaved: batches of 256
 * packed reads encoded in memory into one reused output buffer, as the C loop reuses its own.
 */
async function kernelAndC(path: string, binary: string): Promise<KernelRates> {
  const seqs: string[] = [];
  for await (const text of fastaBlocks(createReadStream(path, { highWaterMark: 1 << 20 }), path, undefined)) {
    for (const record of fastaRecords(text)) seqs.push(record.seq);
  }
  const batches = [];
  for (let i = 0; i < seqs.length; i += 256) batches.push(packSequences(seqs.slice(i, i + 256)));
  const spec = makeSpec({ k: PARAMS.k, maxTokens: PARAMS['max-tokens'] });
  const out = new Int32Array(256 * spec.maxTokens);
  let bases = 0;
  for (const batch of batches) bases += batch.bytes.length;
  const cLoop = async () =>
    JSON.parse((await run(binary, [path])).stdout) as { bases: number; seconds: number };
  let kernel = 0;
  let c = 0;
  let cTwice = 0;
  for (let round = 0; round < 3; round++) {
    const ran = await cLoop();
    c = Math.max(c, ran.bases / ran.seconds);
    const [a, b] = await Promise.all([cLoop(), cLoop()]);
    cTwice = Math.max(cTwice, (a!.bases + b!.bases) / Math.max(a!.seconds, b!.seconds));
    const started = performance.now();
    for (const batch of batches) tokenizeRows(batch, 0, batch.offsets.length - 1, spec, out, 0);
    kernel = Math.max(kernel, bases / ((performance.now() - started) / 1000));
  }
  return { kernel, c, cTwice };
}

async function main(): Promise<void> {
  const reads = arg('reads', 500_000);
  const path = await generateReads(reads);
  const small = await generateReads(Math.max(1, Math.round(reads / 10)));
  const script = fileURLToPath(import.meta.url);
  const binary = `${outDir}/pack6`;
  await run('cc', ['-O2', '-o', binary, `${repoRoot}/bench/kmer/pack6.c`]);
  const { kernel: kernelRate, c: cRate, cTwice } = await kernelAndC(path, binary);
  const stage = (mode: string, file: string, threads: number) => () =>
    child<StageRun>(script, [mode, file, String(threads)]);
  const [readOnly, parsed, inline, one, two, twoSmall, kernelOne, kernelTwo] = await bestOfInterleaved([
    stage('read', path, 0),
    stage('parse', path, 0),
    stage('encode', path, 0),
    stage('encode', path, 1),
    stage('encode', path, 2),
    stage('encode', small, 2),
    stage('kernel-pool', path, 1),
    stage('kernel-pool', path, 2),
  ]);
  const rate = (r: StageRun) => r.bases / r.seconds;
  const mb = (v: number) => v / 1e6;
  const busy = (r: StageRun) =>
    r.mainCpu === undefined ? '-' : `${((100 * r.mainCpu) / r.seconds).toFixed(0)}%`;
  console.log(
    `kmer.encode k=6, max-tokens 145, ${reads} reads x 150 bp (${mb(readOnly!.bases).toFixed(0)} Mbases), best of 3 interleaved\n`,
  );
  const row = (what: string, basesPerSecond: number, ratio: string, run?: StageRun) => ({
    what,
    'Mbases/s': mb(basesPerSecond),
    ratio,
    'RSS MiB': run?.rssMiB ?? '-',
    'main busy': run ? busy(run) : '-',
  });
  const times = (a: number, b: number) => (a / b).toFixed(2);
  console.log(
    table([
      row('C loop -O2, in memory (reference)', cRate, '1.00 (C)'),
      row('C loop, two processes at once', cTwice, `${times(cTwice, cRate)} x C (what 2 cores give)`),
      row('kernel (WebAssembly), in memory', kernelRate, `${times(kernelRate, cRate)} x C`),
      row(
        'kernel, in memory, pool of 1',
        rate(kernelOne!),
        `${times(rate(kernelOne!), kernelRate)} x kernel`,
        kernelOne,
      ),
      row(
        'kernel, in memory, pool of 2',
        rate(kernelTwo!),
        `${times(rate(kernelTwo!), rate(kernelOne!))} x pool of 1`,
        kernelTwo,
      ),
      row('fasta.read only (blocks, unparsed)', rate(readOnly!), '', readOnly),
      row('fasta.read, records parsed (main thread)', rate(parsed!), '', parsed),
      row('stage, main thread (threads: 0)', rate(inline!), '1.00 (inline)', inline),
      row('stage, pool of 1 thread', rate(one!), `${times(rate(one!), rate(inline!))} x inline`, one),
      row(
        'stage, pool of 2 threads',
        rate(two!),
        `${times(rate(two!), rate(inline!))} x inline, ${times(rate(two!), rate(one!))} x 1 thread`,
        two,
      ),
      row(
        `stage, pool of 2, ${reads / 10} reads (RSS 1x)`,
        rate(twoSmall!),
        `RSS 10x/1x = ${times(two!.rssMiB, twoSmall!.rssMiB)}`,
        twoSmall,
      ),
    ]),
  );
}

if (process.argv[2] === '--child')
  await childMain(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
else await main();
