/** A region of a reference: `id` as written, coordinates 0-based, end exclusive. */
export interface Region {
  id: string;
  chrom: string;
  start: number;
  end: number;
}

/**
 * Parses a samtools-style region: `chr`, `chr:start` (to the end), `chr:start-` or `chr:start-end`
 * (1-based, inclusive, commas allowed in numbers). A name that is itself a contig (even one
 * containing `:`) is the whole contig. The end is clipped to the contig, as samtools does.
 */
export function parseRegion(text: string, lengths: ReadonlyMap<string, number>, where: string): Region {
  const id = text.trim();
  const whole = lengths.get(id);
  if (whole !== undefined) return { id, chrom: id, start: 0, end: whole };
  const match = /^(.+):([\d,]+)(?:-([\d,]*))?$/.exec(id);
  const chrom = match?.[1] ?? id;
  const length = lengths.get(chrom);
  if (length === undefined) {
    const known = [...lengths.keys()].slice(0, 5).join(', ');
    throw new Error(
      `${where}: contig '${chrom}' of region '${id}' is not in the reference, expected one of ${known}`,
    );
  }
  const start = Number(match![2]!.replaceAll(',', ''));
  const endText = match![3]?.replaceAll(',', '');
  const end = endText ? Number(endText) : length;
  if (start < 1 || end < start) {
    throw new Error(
      `${where}: region '${id}' has bad coordinates, expected chr:start-end with 1 <= start <= end`,
    );
  }
  // past the contig's end samtools gives an empty sequence; so do we
  const from = Math.min(start - 1, length);
  return { id, chrom, start: from, end: Math.max(from, Math.min(end, length)) };
}
