/** The fields of a `bam-record` used to tell which sample a read belongs to. */
export interface ReadLike {
  seq: string;
  tags?: Record<string, unknown>;
  header?: { text: string };
}

export type Grouping = 'sample' | 'read-group' | 'all';

/** Read group ID -> SM of each header's @RG lines, parsed once per header. */
const samplesByHeader = new WeakMap<object, Map<string, string>>();

function readGroupSamples(header: { text: string }): Map<string, string> {
  let samples = samplesByHeader.get(header);
  if (!samples) {
    samples = new Map();
    for (const line of header.text.split('\n')) {
      if (!line.startsWith('@RG\t')) continue;
      const fields = new Map(
        line
          .split('\t')
          .slice(1)
          .map((f) => [f.slice(0, 2), f.slice(3)]),
      );
      const id = fields.get('ID');
      if (id !== undefined) samples.set(id, fields.get('SM') ?? id);
    }
    samplesByHeader.set(header, samples);
  }
  return samples;
}

/** `samples/reads/x.bam` -> `x`: the name used for reads without a read group. */
export function fileSampleName(path: string): string {
  if (path === '-') return 'stdin';
  return path.replace(/^.*\//, '').replace(/\.(bam|sam|cram|sam\.gz)$/i, '') || path;
}

/** The group a read is counted in: its read group's SM (or ID), else `fallback`. */
export function groupOf(read: ReadLike, per: Grouping, fallback: string): string {
  if (per === 'all') return 'all';
  const rg = read.tags?.RG;
  if (typeof rg !== 'string') return fallback;
  if (per === 'read-group' || !read.header) return rg;
  return readGroupSamples(read.header).get(rg) ?? rg;
}
