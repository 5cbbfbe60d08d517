import { Readable } from 'node:stream';
import { decompressed, inflateBgzf, isBgzf, lineBatches, peekBytes } from '../../src/plugin-api/index.js';
import { bamRecordBatches } from './bam-stream.js';
import type { BamRecord } from './record.js';

/** What came out of a stream of alignments: BAM record batches or SAM text lines. */
export type AlignmentSource =
  | { kind: 'bam'; batches: AsyncGenerator<BamRecord[]> }
  | { kind: 'sam'; lines: AsyncGenerator<string[]> };

/**
 * Detects the format of `source` by its magic bytes: BAM (BGZF), bgzipped or gzipped or
 * plain SAM. CRAM is refused with a message saying how to convert it.
 */
export async function openAlignments(source: AsyncIterable<Buffer>, name: string): Promise<AlignmentSource> {
  const { head, all } = await peekBytes(source, 18);
  if (!head.length) throw new Error(`${name}: input is empty, expected BAM or SAM`);
  if (head.toString('latin1', 0, 4) === 'CRAM') {
    throw new Error(`${name}: CRAM is not supported: convert with samtools view -b`);
  }
  if (isBgzf(head)) {
    const inflated = await peekBytes(inflateBgzf(all, name), 4);
    if (inflated.head.toString('latin1', 0, 4) === 'BAM\x01') {
      return { kind: 'bam', batches: bamRecordBatches(inflated.all, name) };
    }
    return { kind: 'sam', lines: lineBatches(inflated.all) };
  }
  if (head.toString('latin1', 0, 4) === 'BAM\x01')
    return { kind: 'bam', batches: bamRecordBatches(all, name) };
  return { kind: 'sam', lines: lineBatches(decompressed(Readable.from(all), name)) };
}
