import { execFileSync } from 'node:child_process';

/** Records of FASTA text as printed by samtools (multi-line), in order. */
export function parseFastaText(text: string): Array<{ name: string; seq: string }> {
  const records: Array<{ name: string; seq: string }> = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('>')) records.push({ name: line.slice(1), seq: '' });
    else if (line !== '') records[records.length - 1]!.seq += line;
  }
  return records;
}

/** `samtools faidx FILE REGIONS...` parsed. */
export function samtoolsFaidx(file: string, regions: string[]): Array<{ name: string; seq: string }> {
  return parseFastaText(
    execFileSync('samtools', ['faidx', file, ...regions], { maxBuffer: 1 << 30 }).toString(),
  );
}
