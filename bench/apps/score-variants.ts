import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadOnnxRuntime } from '../../plugins/tfjs/onnx-runtime.js';
import { parseTrace } from '../../src/engine/trace.js';
import { seededRandom } from '../../src/plugin-api/random.js';
import { benchOut, fixed, genoflowCli, measure, printTable, repoRoot } from '../lib.js';

/*
 * workflows/score-variants.yaml end to end: a generated VCF (SNVs spread over a 10 Mbp contig,
 * 10 samples, REF from the generated reference) on stdin, scored by a CNN bundle trained with
 * workflows/train-variant-classifier.yaml on samples/, VCF on stdout.
 *   node dist/bench/apps/score-variants.js [--records 100000,1000000]
 * Each size of --records (a comma-separated list; default 100,000 and 1,000,000) once per
 * tfjs.predict backend of BENCH_BACKENDS (default onnx, or wasm without onnxruntime-node; wasm
 * takes minutes per 100,000 records). Prints records/s and peak RSS per run, each stage's
 * active time (its trace duration less its waits) as a share of the run, and, with more than
 * one size, whether peak RSS stays flat: the largest size's within 1.25x the smallest's (the
 * records stream; nothing should grow with their number).
 */
const records = (() => {
  const i = process.argv.indexOf('--records');
  const list = i > 0 ? process.argv[i + 1]! : '100000,1000000';
  return list.split(',').map((n) => Number(n.replaceAll('_', '')));
})();
const dir = benchOut('apps');
const reference = join(dir, 'chrS.fa');
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

/** A VCF of `count` SNVs, written once and kept in bench/out. */
async function variants(count: number): Promise<string> {
  const vcf = join(dir, `variants-${count}.vcf`);
  if (existsSync(vcf)) return vcf;
  const random = seededRandom(count);
  const out = createWriteStream(vcf);
  const samples = Array.from({ length: 10 }, (_, i) => `S${i + 1}`);
  out.write(
    `##fileformat=VCFv4.2\n##contig=<ID=chrS,length=10000000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t${samples.join('\t')}\n`,
  );
  const step = Math.floor((contig.length - 200) / count);
  let chunk = '';
  for (let i = 0; i < count; i++) {
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
  return vcf;
}

if (!existsSync(join(model, 'model.json'))) {
  measure(
    `node ${genoflowCli} run workflows/train-variant-classifier.yaml -q -p epochs=4 -p outdir=${dir} --work-dir ${join(dir, 'train-work')}`,
    { cwd: repoRoot },
  );
}

const onnxInstalled = (await loadOnnxRuntime()) !== null;
const backends = (process.env.BENCH_BACKENDS ?? (onnxInstalled ? 'onnx' : 'wasm')).split(',');
for (const backend of backends) {
  const runs: { records: number; seconds: number; maxRssMb: number }[] = [];
  for (const count of records) {
    const vcf = await variants(count);
    const trace = join(dir, `score-trace-${backend}-${count}.tsv`);
    const run = measure(
      `node ${genoflowCli} run workflows/score-variants.yaml -q -p reference=${reference} -p model=${model} -p backend=${backend} --work-dir ${join(dir, 'score-work')} --trace ${trace} < ${vcf} | grep -c GF_SCORE=`,
      { cwd: repoRoot },
    );
    runs.push({ records: count, seconds: run.seconds, maxRssMb: run.maxRssMb });
    const scored = Number(run.stdout.trim());
    const rows = parseTrace(readFileSync(trace, 'utf8'));
    const total = Math.max(...rows.map((r) => r.duration_ms));
    printTable(
      `score-variants: ${count.toLocaleString('en')} records on stdin, CNN bundle, ${backend} backend, ${availableParallelism()} cores`,
      ['records', 'scored', 'seconds', 'records/s', 'peak RSS MB'],
      [[count, scored, fixed(run.seconds), fixed(count / run.seconds, 0), fixed(run.maxRssMb, 0)]],
    );
    printTable(
      'Stages (from the trace: active = duration less waits for input or for room downstream; stages share the main thread, predict also has its workers)',
      ['stage', 'uses', 'records out', 'duration s', 'active s', 'share of the run'],
      rows.map((r) => [
        r.stage,
        r.uses,
        r.records_out,
        fixed(r.duration_ms / 1000),
        fixed((r.duration_ms - r.wait_ms) / 1000),
        `${fixed((100 * (r.duration_ms - r.wait_ms)) / total, 0)}%`,
      ]),
    );
  }
  if (runs.length > 1) {
    const first = runs[0]!;
    const last = runs.at(-1)!;
    const ratio = last.maxRssMb / first.maxRssMb;
    printTable(
      `Peak RSS against size, ${backend} backend`,
      ['records', 'records/s', 'peak RSS MB', 'vs smallest'],
      runs.map((r) => [
        r.records,
        fixed(r.records / r.seconds, 0),
        fixed(r.maxRssMb, 0),
        `${fixed(r.maxRssMb / first.maxRssMb)}x`,
      ]),
    );
    console.log(
      `\npeak RSS ${ratio <= 1.25 ? 'flat' : 'NOT flat'}: ${fixed(last.maxRssMb, 0)} MB at ${last.records.toLocaleString('en')} records, ${fixed(first.maxRssMb, 0)} MB at ${first.records.toLocaleString('en')} (${fixed(ratio)}x)`,
    );
    if (ratio > 1.25) process.exitCode = 1;
  }
}
