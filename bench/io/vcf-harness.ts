import { createReadStream } from 'node:fs';
import plugin from '../../plugins/vcf/index.js';
import type { VcfRecord } from '../../plugins/vcf/record.js';

/*
 * Child process of bench/io/vcf.ts (until the CLI can run a workflow): runs the genoflow
 * side on a file fed as stdin, data to stdout, and prints records, wall time and peak RSS
 * to stderr as JSON.
 *   passthrough: vcf.read(-) -> vcf.write(-)
 *   query:       vcf.read(-), then CHROM POS REF ALT and every GT, as bcftools query prints them
 */
const [mode, input] = process.argv.slice(2) as [string, string];
const started = performance.now();
let records = 0;

const read = plugin.stages.read.run(
  contextFor(plugin.stages.read, { path: '-' }, {}),
) as AsyncIterable<VcfRecord>;
async function* counted(): AsyncGenerator<VcfRecord> {
  for await (const record of read) {
    records++;
    yield record;
  }
}

if (mode === 'passthrough') {
  await plugin.stages.write.run(contextFor(plugin.stages.write, { path: '-' }, { in: counted() }));
} else {
  let parts: string[] = [];
  let size = 0;
  for await (const r of counted()) {
    const line = `${r.chrom}\t${r.pos}\t${r.ref}\t${r.alt.length ? r.alt.join(',') : '.'}\t${r.genotypes().join('\t')}\n`;
    parts.push(line);
    size += line.length;
    if (size > 1 << 18) {
      if (!process.stdout.write(parts.join('')))
        await new Promise((done) => process.stdout.once('drain', done));
      parts = [];
      size = 0;
    }
  }
  process.stdout.write(parts.join(''));
}
const seconds = (performance.now() - started) / 1000;
process.stderr.write(`${JSON.stringify({ records, seconds, maxRssKb: process.resourceUsage().maxRSS })}\n`);

function contextFor(
  stage: { params: { parse(value: unknown): unknown } },
  params: Record<string, unknown>,
  inputs: Record<string, AsyncIterable<unknown>>,
): never {
  const quiet = () => {};
  return {
    params: stage.params.parse(params),
    stageName: 'bench',
    inputs,
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    progress: { status: quiet, count: quiet },
    signal: new AbortController().signal,
    scratchDir: '/tmp',
    checkpointDir: '/tmp',
    threads: 2,
    resolvePath: (path: string) => path,
    stdin: () => createReadStream(input, { highWaterMark: 1 << 20 }),
    stdout: () => process.stdout,
    declareInputFile: quiet,
    declareOutputFile: quiet,
  } as never;
}
