/** Test helper: a FASTA file's sequences cut into fixed windows, as sequence records. */
import { existsSync, readFileSync } from 'node:fs';
import type { SequenceRecord } from '../../src/plugin-api/index.js';

export function fastaSequences(path: string): Array<{ name: string; seq: string }> {
  // Without the shared data set (its tests are skipped) a file of it reads as empty.
  if (!existsSync(path)) return [];
  return readFileSync(path, 'latin1')
    .split('>')
    .slice(1)
    .map((entry) => {
      const [header, ...lines] = entry.split('\n');
      return { name: header!.split(/\s/)[0]!, seq: lines.join('').replace(/\s/g, '') };
    });
}

export function fastaWindows(path: string, width: number): SequenceRecord[] {
  const windows: SequenceRecord[] = [];
  for (const { name, seq } of fastaSequences(path)) {
    for (let start = 0; start < seq.length; start += width) {
      const end = Math.min(seq.length, start + width);
      windows.push({ id: `${name}:${start}-${end}`, seq: seq.slice(start, end), chrom: name, start, end });
    }
  }
  return windows;
}
