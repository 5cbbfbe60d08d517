/**
 * Streaming FASTQ parser over line batches. Malformed records are yielded as rejections so
 * the caller decides between failing and skipping. (FASTA is scanned as bytes instead:
 * see `scanFastaText` in the plugin API.)
 */
import { badSequenceCharacter, type FastaRejection, splitFastaHeader } from '../../src/plugin-api/index.js';

/** One parsed record: `id` is the header's first word, `description` the rest (when any). */
export interface FastqRecord {
  id: string;
  description?: string;
  seq: string;
  qual: string;
}

export type ParseEvent = { record: FastqRecord } | { rejection: FastaRejection };

/** Letters (IUPAC codes, soft-masked or not), gaps and stop; no digits, spaces or punctuation. */
const SEQUENCE_LINE = /^[A-Za-z*.-]*$/;

/** Parses line batches into batches of events (one array per input batch, for speed). */
export async function* parseFastq(batches: AsyncIterable<string[]>): AsyncGenerator<ParseEvent[]> {
  const parser = new FastqParser();
  for await (const batch of batches) {
    const events = parser.push(batch);
    if (events.length) yield events;
  }
  const last = parser.end();
  if (last.length) yield last;
}

/** FASTQ with four lines per record: header, sequence, '+', quality. */
class FastqParser {
  private lineNo = 0;
  private pending: string[] = [];
  private headerLine = 0;

  push(batch: string[]): ParseEvent[] {
    const events: ParseEvent[] = [];
    for (const line of batch) {
      this.lineNo++;
      if (this.pending.length === 0) {
        if (line === '') continue;
        if (line.charCodeAt(0) !== 64 /* @ */) {
          const reason = `expected a FASTQ header line starting with '@', found ${JSON.stringify(line.slice(0, 20))}`;
          events.push({ rejection: { line: this.lineNo, reason, lines: [line] } });
          continue;
        }
        this.headerLine = this.lineNo;
      }
      this.pending.push(line);
      if (this.pending.length === 4) {
        events.push(this.check(this.pending));
        this.pending = [];
      }
    }
    return events;
  }

  end(): ParseEvent[] {
    if (!this.pending.length) return [];
    const reason = `FASTQ record ends after ${this.pending.length} of 4 lines, expected header, sequence, '+' and quality lines`;
    return [{ rejection: { line: this.headerLine, reason, lines: this.pending } }];
  }

  private check(lines: string[]): ParseEvent {
    const [header, seq, plus, qual] = lines as [string, string, string, string];
    const at = this.headerLine;
    if (plus.charCodeAt(0) !== 43 /* + */) {
      const reason = `expected a '+' separator line, found ${JSON.stringify(plus.slice(0, 20))}`;
      return { rejection: { line: at + 2, reason, lines } };
    }
    if (!SEQUENCE_LINE.test(seq))
      return {
        rejection: { line: at + 1, reason: badSequenceCharacter(seq.match(/[^A-Za-z*.-]/)![0]), lines },
      };
    if (qual.length !== seq.length) {
      const reason = `quality length ${qual.length} differs from sequence length ${seq.length}, expected equal lengths`;
      return { rejection: { line: at + 3, reason, lines } };
    }
    const { id, description } = splitFastaHeader(header.slice(1));
    if (id === '') return { rejection: { line: at, reason: "header has no name, expected '@name'", lines } };
    return { record: description ? { id, description, seq, qual } : { id, seq, qual } };
  }
}
