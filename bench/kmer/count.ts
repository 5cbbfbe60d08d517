/**
 * kmer.count k=21 canonical over all input vs `jellyfish count -m 21 -C`, on the same
 * deterministic reads, with identical counts checked (sha256 of the sorted `kmer count`
 * lines on both sides); peak RSS at 1x and 10x input.
 * `node dist/bench/kmer/count.js [--reads N]` (default 500,000 reads of 150 bp; 1x = N/10).
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { count, type KmerCount } from '../../plugins/kmer/count.js';
import {
  arg,
  child,
  fastaInput,
  generateReads,
  outDir,
  peakRssMiB,
  run,
  streamStage,
  table,
} from './common.js';

interface CountRun {
  seconds: number;
  bases: number;
  kmers: number;
  sha256: string;
  rssMiB: number;
}

async function childMain(path: string, threads: number): Promise<void> {
  let bases = 0;
  let kmers = 0;
  const hash = createHash('sha256');
  let lines = '';
  const input = () =>
    fastaInput(path, (records) => {
      for (const record of records) bases += record.seq.length;
    });
  const started = performance.now();
  await streamStage(count, { per: 'all', k: 21, canonical: true }, input(), threads, (output) => {
    const record = output as KmerCount;
    kmers++;
    lines += `${record.kmer} ${record.count}\n`;
    if (lines.length > 1 << 20) {
      hash.update(lines);
      lines = '';
    }
  });
  hash.update(lines);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      seconds,
      bases,
      kmers,
      sha256: hash.digest('hex'),
      rssMiB: peakRssMiB(),
    } satisfies CountRun),
  );
}

async function jellyfish(path: string, threads: number) {
  const db = `${outDir}/jf-${threads}.jf`;
  let started = performance.now();
  await run('jellyfish', ['count', '-m', '21', '-C', '-t', String(threads), '-s', '10M', '-o', db, path]);
  const countSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const { stdout } = await run('bash', ['-c', `jellyfish dump -c '${db}' | LC_ALL=C sort | sha256sum`]);
  const dumpSeconds = (performance.now() - started) / 1000;
  await rm(db, { force: true });
  return { countSeconds, dumpSeconds, sha256: stdout.split(' ')[0]! };
}

async function main(): Promise<void> {
  const reads = arg('reads', 500_000);
  const path = await generateReads(reads);
  const small = await generateReads(Math.max(1, Math.round(reads / 10)));
  const script = fileURLToPath(import.meta.url);
  const ours = (file: string, threads: number) => child<CountRun>(script, [file, String(threads)]);
  const jf1 = await jellyfish(path, 1);
  const jf2 = await jellyfish(path, 2);
  const inline = await ours(path, 0);
  const two = await ours(path, 2);
  const twoSmall = await ours(small, 2);
  const mb = (seconds: number) => two.bases / seconds / 1e6;
  const same = (sha: string) => (sha === jf2.sha256 ? 'identical' : 'DIFFERENT');
  console.log(
    `kmer.count per: all, k=21 canonical, ${reads} reads x 150 bp (${(two.bases / 1e6).toFixed(0)} Mbases), ` +
      `${two.kmers} distinct k-mers\n`,
  );
  console.log(
    table([
      {
        what: 'jellyfish count -t 1',
        'Mbases/s': mb(jf1.countSeconds),
        s: jf1.countSeconds,
        ratio: '',
        counts: same(jf1.sha256),
        'RSS MiB': '-',
      },
      {
        what: 'jellyfish count -t 2 (peer)',
        'Mbases/s': mb(jf2.countSeconds),
        s: jf2.countSeconds,
        ratio: '1.00',
        counts: 'reference',
        'RSS MiB': '-',
      },
      {
        what: 'jellyfish count -t 2 + dump -c + sort',
        'Mbases/s': mb(jf2.countSeconds + jf2.dumpSeconds),
        s: jf2.countSeconds + jf2.dumpSeconds,
        ratio: '',
        counts: '',
        'RSS MiB': '-',
      },
      {
        what: 'kmer.count, main thread (records out)',
        'Mbases/s': mb(inline.seconds),
        s: inline.seconds,
        ratio: `${(jf2.countSeconds / inline.seconds).toFixed(2)} x jf -t 2`,
        counts: same(inline.sha256),
        'RSS MiB': inline.rssMiB,
      },
      {
        what: 'kmer.count, 2 threads (records out)',
        'Mbases/s': mb(two.seconds),
        s: two.seconds,
        ratio: `${(jf2.countSeconds / two.seconds).toFixed(2)} x jf -t 2`,
        counts: same(two.sha256),
        'RSS MiB': two.rssMiB,
      },
      {
        what: `kmer.count, 2 threads, ${reads / 10} reads (1x)`,
        'Mbases/s': twoSmall.bases / twoSmall.seconds / 1e6,
        s: twoSmall.seconds,
        ratio: `RSS 10x/1x = ${(two.rssMiB / twoSmall.rssMiB).toFixed(2)}`,
        counts: '',
        'RSS MiB': twoSmall.rssMiB,
      },
    ]),
  );
}

if (process.argv[2] === '--child') await childMain(process.argv[3]!, Number(process.argv[4]));
else await main();
