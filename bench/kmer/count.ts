/**
 * kmer.count k=21 canonical over all input vs `jellyfish count -m 21 -C`, on the same
 * deterministic reads, with identical counts checked (sha256 of the sorted `kmer count`
 * lines on both sides); peak RSS of both at 1x and 10x input. The stage's output is read
 * as engine stages read it, an array of records at a time, and the time the bench spends
 * hashing it is reported apart.
 * `node dist/bench/kmer/count.js [--reads N] [--rounds R]` (default 500,000 reads of 150 bp,
 * 1x = N/10; the peer and our 2-thread run interleaved R = 3 times, fastest of each kept).
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { read } from '../../plugins/fasta/read.js';
import { count } from '../../plugins/kmer/count.js';
import type { KmerCount } from '../../plugins/kmer/count-run.js';
import { stageOutputForTest } from '../../src/plugin-api/testing.js';
import {
  arg,
  bestOfInterleaved,
  child,
  generateReads,
  outDir,
  peakRssMiB,
  READ_LENGTH,
  run,
  streamStageArrays,
  table,
} from './common.js';

interface CountRun {
  /** Wall seconds of the stage: from start to its last record, less the bench's own hashing. */
  seconds: number;
  /** Wall seconds including that hashing. */
  wallSeconds: number;
  /** CPU seconds of the process, all threads. */
  cpuSeconds: number;
  bases: number;
  kmers: number;
  sha256: string;
  rssMiB: number;
}

async function childMain(path: string, threads: number, reads: number): Promise<void> {
  const bases = reads * READ_LENGTH;
  let kmers = 0;
  let hashing = 0;
  const hash = createHash('sha256');
  // As in a workflow: fasta.read hands its blocks on unparsed.
  const input = stageOutputForTest(read, { params: { path } });
  const cpu = process.cpuUsage();
  const started = performance.now();
  // Read as engine stages read: an array of records at a time.
  await streamStageArrays(count, { per: 'all', k: 21, canonical: true }, input, threads, (records) => {
    const start = performance.now();
    let lines = '';
    for (const { kmer, count } of records as readonly KmerCount[]) lines += `${kmer} ${count}\n`;
    hash.update(lines);
    kmers += records.length;
    hashing += performance.now() - start;
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      seconds: wallSeconds - hashing / 1000,
      wallSeconds,
      cpuSeconds: (user + system) / 1e6,
      bases,
      kmers,
      sha256: hash.digest('hex'),
      rssMiB: peakRssMiB(),
    } satisfies CountRun),
  );
}

/** `jellyfish count` (timed, its peak RSS from /usr/bin/time), then `dump -c | sort` hashed. */
async function jellyfish(path: string, threads: number) {
  const db = `${outDir}/jf-${threads}.jf`;
  const started = performance.now();
  const { stderr } = await run('/usr/bin/time', [
    '-f',
    '%M',
    'jellyfish',
    'count',
    '-m',
    '21',
    '-C',
    '-t',
    String(threads),
    '-s',
    '10M',
    '-o',
    db,
    path,
  ]);
  const seconds = (performance.now() - started) / 1000;
  const rssMiB = Number(stderr.trim().split('\n').pop()) / 1024;
  const { stdout } = await run('bash', ['-c', `jellyfish dump -c '${db}' | LC_ALL=C sort | sha256sum`]);
  await rm(db, { force: true });
  return { seconds, rssMiB, sha256: stdout.split(' ')[0]! };
}

type JellyfishRun = Awaited<ReturnType<typeof jellyfish>>;

async function main(): Promise<void> {
  const reads = arg('reads', 500_000);
  const rounds = arg('rounds', 3);
  const path = await generateReads(reads);
  const smallReads = Math.max(1, Math.round(reads / 10));
  const small = await generateReads(smallReads);
  const script = fileURLToPath(import.meta.url);
  const ours = (file: string, threads: number, n = reads) =>
    child<CountRun>(script, [file, String(threads), String(n)]);
  const jf1 = await jellyfish(path, 1);
  const jfSmall = await jellyfish(small, 2);
  const inline = await ours(path, 0);
  const twoSmall = await ours(small, 2, smallReads);
  // The peer and our 2-thread run, interleaved, fastest of each kept (the machine is shared).
  const [jf2, two] = (await bestOfInterleaved<JellyfishRun | CountRun>(
    [() => jellyfish(path, 2), () => ours(path, 2)],
    rounds,
  )) as [JellyfishRun, CountRun];
  const same = (sha: string) => (sha === jf2.sha256 ? 'identical' : 'DIFFERENT');
  const versus = (seconds: number) => `${(jf2.seconds / seconds).toFixed(2)} x jf -t 2`;
  console.log(
    `kmer.count per: all, k=21 canonical, ${reads} reads x 150 bp (${(two.bases / 1e6).toFixed(0)} Mbases), ` +
      `${two.kmers} distinct k-mers; best of ${rounds} for the 2-thread rows\n`,
  );
  const jfRow = (what: string, jf: JellyfishRun, bases: number, counts: string) => ({
    what,
    'Mbases/s': bases / jf.seconds / 1e6,
    s: jf.seconds,
    'wall s': '',
    'CPU s': '',
    ratio: '',
    counts,
    'RSS MiB': jf.rssMiB,
  });
  const ourRow = (what: string, run: CountRun, ratio: string, counts: string) => ({
    what,
    'Mbases/s': run.bases / run.seconds / 1e6,
    s: run.seconds,
    'wall s': run.wallSeconds,
    'CPU s': run.cpuSeconds,
    ratio,
    counts,
    'RSS MiB': run.rssMiB,
  });
  console.log(
    table([
      jfRow('jellyfish count -t 1', jf1, two.bases, same(jf1.sha256)),
      { ...jfRow('jellyfish count -t 2 (peer)', jf2, two.bases, 'reference'), ratio: '1.00' },
      jfRow(`jellyfish count -t 2, ${reads / 10} reads (1x)`, jfSmall, twoSmall.bases, ''),
      ourRow('kmer.count, main thread', inline, versus(inline.seconds), same(inline.sha256)),
      ourRow('kmer.count, 2 threads', two, versus(two.seconds), same(two.sha256)),
      ourRow(
        `kmer.count, 2 threads, ${reads / 10} reads (1x)`,
        twoSmall,
        `RSS 10x/1x = ${(two.rssMiB / twoSmall.rssMiB).toFixed(2)}`,
        twoSmall.sha256 === jfSmall.sha256 ? 'identical' : 'DIFFERENT',
      ),
    ]),
  );
  console.log(
    '\ns: the stage, less the time the bench spends hashing its records (wall s includes it); ' +
      'CPU s: all threads of the process.',
  );
}

if (process.argv[2] === '--child')
  await childMain(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
else await main();
