/**
 * The last reference position (1-based, inclusive) a record covers, as htslib computes it
 * for indexing and region queries: INFO/END when present and not before POS, otherwise
 * POS + length(REF) - 1. END beyond htslib's limit (2^31 - 1) is ignored, as bcftools does.
 */
export function recordEnd(
  line: string,
  infoStart: number,
  infoEnd: number,
  pos: number,
  refLength: number,
): number {
  const fallback = pos + Math.max(refLength, 1) - 1;
  let at = line.startsWith('END=', infoStart) ? infoStart + 4 : -1;
  if (at < 0) {
    const found = line.indexOf(';END=', infoStart);
    if (found < 0 || found >= infoEnd) return fallback;
    at = found + 5;
  }
  let end = 0;
  let digits = 0;
  for (; at < infoEnd; at++, digits++) {
    const d = line.charCodeAt(at) - 48;
    if (d < 0 || d > 9) break;
    end = end * 10 + d;
  }
  if (!digits || end < pos || end > 0x7fffffff) return fallback;
  return end;
}
