import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrace } from '../../src/engine/trace.js';
import { seededRandom } from '../../src/plugin-api/random.js';
import { benchOut, fixed, genoflowCli, intArg, measure, printTable, repoRoot } from '../lib.js';

/*
 * workflows/score-variants.yaml end to end: a generated VCF (SNVs every 10 bp of a 10 Mbp
 * contig, 10 samples, REF from the generated reference) on stdin, scored by a CNN bundle
 * trained with workflows/train-variant-classifier.yaml on samples/, VCF on stdout.
 *   node dist/bench/apps/score-variants.js [--records 100000]   (1000000 for the full figure)
 * once per tfjs.predict backend of BENCH_BACKENDS (default onnx,wasm; onnx needs onnxruntime-node).
 * Prints records/s, peak RSS, and each stage's busy time from each run's trace.
 */
const records = intArg('records', 100_000);
const dir = benchOut('apps');
const reference = join(dir, 'chrS.fa');
const vcf = join(dir, `variants-${records}.vcf`);
const model = join(dir, 'model');

const random = seededRandom(99);
const contig = Buffer.alloc(10_000_000);
for (let i = 0; i < contig.length; i++) contig[i] = 'ACGT'.charCodeAt(Math.floor(random() * 4));
if (!existsSync(reference)) {
  const lines: string[] = ['>chrS'];
  for (let i = 0; i < contig.length; i += 60) lines.push(contig.toString('latin1', i, i + 60));
  writeFileSync(reference, `${lines.join('\n')}\n`);
  measure(`samtools faidx ${reference}`);
}
if (!existsSync(vcf)) {
  const out = createWriteStream(vcf);
  const samples = Array.from({ length: 10 }, (_, i) => `S${i + 1}`);
  out.write(
    `##fileformat=VCFv4.2\n##contig=<ID=chrS,length=10000000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t${samples.join('\t')}\n`,
  );
  const step = Math.floor((contig.length - 200) / records);
  let chunk = '';
  for (let i = 0; i < records; i++) {
    const pos = 100 + i * step;
    const ref = String.fromCharCode(contig[pos - 1]!);
    const alt = 'ACGT'.replace(ref, '')[Math.floor(random() * 3)]!;
    const gts = samples.map(() => ['0/0', '0/1', '1/1', '0|1'][Math.floor(random() * 4)]).join('\t');
    chunk += `chrS\t${pos}\tv${i}\t${ref}\t${alt}\t${(random() * 99).toFixed(1)}\tPASS\t.\tGT\t${gts}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
if (!existsSync(join(model, 'model.json'))) {
  measure(
    `node ${genoflowCli} run workflows/train-variant-classifier.yaml -q -p epochs=4 -p outdir=${dir} --work-dir ${join(dir, 'train-work')}`,
    { cwd: repoRoot },
  );
}

for (const backend of (process.env.BENCH_BACKENDS ?? 'onnx,wasm').split(',')) {
  const trace = join(dir, `score-trace-${backend}.tsv`);
  const run = measure(
    `node ${genoflowCli} run workflows/score-variants.yaml -q -p reference=${reference} -p model=${model} -p backend=${backend} --work-dir ${join(dir, 'score-work')} --trace ${trace} < ${vcf} | grep -c GF_SCORE=`,
    { cwd: repoRoot },
  );
  const scored = Number(run.stdout.trim());
  const rows = parseTrace(readFileSync(trace, 'utf8'));
  const total = Math.max(...rows.map((r) => r.duration_ms));
  printTable(
    `score-variants: ${records.toLocaleString('en')} records on stdin, CNN bundle, ${backend} backend`,
    ['records', 'scored', 'seconds', 'records/s', 'peak RSS MB'],
    [[records, scored, fixed(run.seconds), fixed(records / run.seconds, 0), fixed(run.maxRssMb, 0)]],
  );
  printTable(
    'Stages (from the trace; streaming stages overlap, so a stage ends when its slowest consumer lets it)',
    ['stage', 'uses', 'records out', 'busy s', 'share of the run'],
    rows.map((r) => [
      r.stage,
      r.uses,
      r.records_out,
      fixed(r.duration_ms / 1000),
      `${fixed((100 * r.duration_ms) / total, 0)}%`,
    ]),
  );
}
