import { defineStage, inputBatches, type StageContext, writeOutput, z } from '../../src/plugin-api/index.js';
import { fileSampleName, groupOf, type ReadLike } from './sample-of-read.js';
import { kmerOf, SpectrumCounter } from './spectrum-counter.js';

/** Dense spectra of 4^k counts per sample: k = 10 is 4 MiB each. */
const MAX_PROFILE_K = 10;
/** The report's heatmap shows this many k-mers, the most frequent (the TSV has them all). */
const CHART_KMERS = 64;

const params = z.strictObject({
  k: z.coerce.number().int().min(1).max(MAX_PROFILE_K).default(4),
  canonical: z.boolean().default(false).describe('count a k-mer and its reverse complement as one'),
  per: z
    .enum(['sample', 'read-group', 'all'])
    .default('sample')
    .describe("`sample`: by the SM of each read's read group; `read-group`: by RG ID; `all`: one group."),
  'default-sample': z
    .string()
    .default('unknown')
    .describe(
      'The group of reads without a read group (and of `sequence` input); a path is reduced to its file name.',
    ),
  spectrum: z.string().optional().describe('A TSV of every non-zero count: sample, kmer, count, frequency.'),
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
  const frequencies = names.map((sample) => {
    const { counts, kmers } = groups.get(sample)!;
    return Float64Array.from(counts, (n) => (kmers ? n / kmers : 0));
  });
  const mean = (code: number) => frequencies.reduce((sum, f) => sum + f[code]!, 0) / names.length;
  const codes = Array.from({ length: 4 ** k }, (_, code) => code);
  const shown = codes
    .map((code) => ({ code, mean: mean(code) }))
    // Up to CHART_KMERS every k-mer has its column; past it, only those seen.
    .filter((c) => 4 ** k <= CHART_KMERS || c.mean > 0)
    .sort((a, b) => b.mean - a.mean || a.code - b.code)
    .slice(0, CHART_KMERS);
  if (shown.length) {
    const values = names.flatMap((sample, s) => {
      const { counts, kmers } = groups.get(sample)!;
      return shown.map(({ code }) => {
        const kmer = kmerOf(code, k);
        const frequency = frequencies[s]![code]!;
        // What a reader sees on hovering the cell.
        const label = `${sample} ${kmer}: ${frequency.toFixed(5)} (${counts[code]!.toLocaleString('en')} of ${kmers.toLocaleString('en')} k-mers)`;
        return { sample, kmer, frequency, label };
      });
    });
    const of =
      4 ** k > shown.length ? `the ${shown.length} most frequent of ${(4 ** k).toLocaleString('en')} ` : '';
    ctx.report({
      title: `${ctx.stageName}: ${of}${k}-mers, frequency per sample`,
      vegaLite: {
        $schema: schema,
        // A column and a row per cell wide enough for its label.
        width: { step: 13 },
        height: { step: 18 },
        data: { values },
        mark: 'rect',
        encoding: {
          x: {
            field: 'kmer',
            type: 'ordinal',
            sort: shown.map(({ code }) => kmerOf(code, k)),
            axis: { labelAngle: -90, labelFont: 'monospace' },
          },
          y: { field: 'sample', type: 'nominal', sort: names, title: null },
          color: { field: 'frequency', type: 'quantitative', scale: { scheme: 'viridis' } },
          description: { field: 'label' },
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
