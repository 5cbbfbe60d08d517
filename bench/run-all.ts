import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** `make bench`: every benchmark at its default size, one after another (each prints its own tables). */
const benches = [
  'engine/passthrough.js',
  'engine/fingerprint.js',
  'engine/integrity.js',
  'engine/scheduler.js',
  'engine/slurm.js',
  'engine/spawn.js',
  'io/vcf.js',
  'io/bcf.js',
  'io/bam.js',
  'io/bam-reader.js',
  'io/fasta.js',
  'kmer/encode.js',
  'kmer/count.js',
  'ml/speed.js',
  'ml/ism.js',
  'apps/score-variants.js',
  'ml/accuracy.js',
];
let failed = 0;
for (const bench of benches) {
  console.log(`\n# bench/${bench.replace(/\.js$/, '.ts')}`);
  const result = spawnSync('node', [join(import.meta.dirname, bench), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
