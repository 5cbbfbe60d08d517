import { defineStage, inputBatches, type StageContext, writeOutput, z } from '../../src/plugin-api/index.js';
import { fileSampleName, groupOf, type ReadLike } from './sample-of-read.js';
import { kmerOf, SpectrumCounter } from './spectrum-counter.js';

/** Dense spectra of 4^k counts per sample: k = 10 is 4 MiB each. */
const MAX_PROFILE_K = 10;
/** Spectra wider than this are left out of the report's chart (the TSV has them all). */
const MAX_CHART_KMERS = 1024;

const params = z.strictObject({
  k: z.coerce.number().int().min(1).max(MAX_PROFILE_K).default(4),
  canonical: z.boolean().default(false).describe('count a k-mer and its reverse complement as one'),
  /** `sample`: by the SM of each read's read group; `read-group`: by RG ID; `all`: one group. */
  per: z.enum(['sample', 'read-group', 'all']).default('sample'),
  /** The group of reads without a read group (and of `sequence` input); a path is reduced to its file name. */
  'default-sample': z.string().default('unknown'),
  /** A TSV of every non-zero count: sample, kmer, count, frequency. */
  spectrum: z.string().optional(),
});
type ProfileParams = z.infer<typeof params>;

/** Port `record` out: one group's totals. */
export interface SampleProfile {
  sample: string;
  reads: number;
  bases: number;
  /** G+C over A, C, G, T bases (N and other codes left out). */
  gc: number;
  /** k-mer windows counted: windows holding N or another non-ACGT code are not. */
  kmers: number;
  distinct: number;
}

export const profile = defineStage({
  description:
    'K-mer spectrum and GC content per sample (read group SM) of reads or sequences: a summary per sample, the spectra as TSV, charts',
  params,
  inputs: { in: ['bam-record', 'sequence'] },
  output: 'record',
  async *run(ctx) {
    const { k, canonical, per } = ctx.params;
    const fallback = fileSampleName(ctx.params['default-sample']);
    const groups = new Map<string, SpectrumCounter>();
    for await (const reads of inputBatches(ctx.inputs.in as AsyncIterable<ReadLike>)) {
      ctx.signal.throwIfAborted();
      for (const read of reads) {
        const name = groupOf(read, per, fallback);
        let counter = groups.get(name);
        if (!counter) groups.set(name, (counter = new SpectrumCounter(k, canonical)));
        counter.add(read.seq === '*' ? '' : read.seq);
      }
    }
    const names = [...groups.keys()].sort();
    if (ctx.params.spectrum !== undefined) await writeSpectra(ctx, names, groups);
    const profiles: SampleProfile[] = names.map((sample) => {
      const c = groups.get(sample)!;
      return {
        sample,
        reads: c.reads,
        bases: c.bases,
        gc: c.acgt ? c.gc / c.acgt : Number.NaN,
        kmers: c.kmers,
        distinct: c.distinct,
      };
    });
    for (const p of profiles) {
      ctx.log.info(
        `${p.sample}: ${p.reads} reads, ${p.bases} bases, GC ${(100 * p.gc).toFixed(2)}%, ${p.kmers} ${k}-mers (${p.distinct} distinct)`,
      );
    }
    report(ctx, names, groups, profiles);
    yield* profiles;
  },
});

async function writeSpectra(
  ctx: StageContext<ProfileParams>,
  names: string[],
  groups: Map<string, SpectrumCounter>,
): Promise<void> {
  async function* lines(): AsyncGenerator<string> {
    yield 'sample\tkmer\tcount\tfrequency\n';
    for (const name of names) {
      const { counts, kmers, k } = groups.get(name)!;
      let chunk = '';
      for (let code = 0; code < counts.length; code++) {
        const n = counts[code]!;
        if (n) chunk += `${name}\t${kmerOf(code, k)}\t${n}\t${(n / kmers).toPrecision(6)}\n`;
        if (chunk.length >= 1 << 16) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
  }
  await writeOutput(ctx, ctx.params.spectrum!, lines());
}

function report(
  ctx: StageContext<ProfileParams>,
  names: string[],
  groups: Map<string, SpectrumCounter>,
  profiles: SampleProfile[],
): void {
  const { k } = ctx.params;
  const schema = 'https://vega.github.io/schema/vega-lite/v5.json';
  if (4 ** k <= MAX_CHART_KMERS) {
    const values = names.flatMap((sample) => {
      const { counts, kmers } = groups.get(sample)!;
      return Array.from(counts, (n, code) => ({
        sample,
        kmer: kmerOf(code, k),
        frequency: kmers ? n / kmers : 0,
      }));
    });
    ctx.report({
      title: `${ctx.stageName}: ${k}-mer spectrum per sample`,
      vegaLite: {
        $schema: schema,
        width: 'container',
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'kmer', type: 'ordinal', sort: null, axis: { labels: 4 ** k <= 64 } },
          y: { field: 'frequency', type: 'quantitative' },
          color: { field: 'sample', type: 'nominal' },
        },
      },
    });
  }
  ctx.report({
    title: `${ctx.stageName}: GC content per sample`,
    vegaLite: {
      $schema: schema,
      data: { values: profiles.map((p) => ({ sample: p.sample, gc: p.gc, reads: p.reads })) },
      mark: 'bar',
      encoding: {
        x: { field: 'sample', type: 'nominal' },
        y: { field: 'gc', type: 'quantitative', title: 'GC fraction', scale: { domain: [0, 1] } },
        tooltip: [{ field: 'sample' }, { field: 'gc', format: '.4f' }, { field: 'reads' }],
      },
    },
  });
}
