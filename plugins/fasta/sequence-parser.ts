/**
 * Streaming FASTA/FASTQ parser over line batches. The format is taken from the first
 * non-empty line (`>` FASTA, `@` FASTQ). Malformed records are yielded as rejections so
 * the caller decides between failing and skipping.
 */

/** One parsed record: `id` is the header's first word, `description` the rest. */
export interface ParsedSequence {
  id: string;
  description: string;
  seq: string;
  qual?: string;
}

/** A malformed record: where it starts, what is wrong, and its raw lines. */
export interface Rejection {
  line: number;
  reason: string;
  lines: string[];
}

export type ParseEvent = { record: ParsedSequence } | { rejection: Rejection };

/** Letters (IUPAC codes, soft-masked or not), gaps and stop; no digits, spaces or punctuation. */
const SEQUENCE_LINE = /^[A-Za-z*.-]*$/;

/** Parses line batches into batches of events (one array per input batch, for speed). */
export async function* parseSequences(batches: AsyncIterable<string[]>): AsyncGenerator<ParseEvent[]> {
  let parser: FastaParser | FastqParser | undefined;
  for await (const batch of batches) {
    if (!parser) {
      const first = batch.find((line) => line !== '');
      if (first === undefined) continue;
      parser = first.charCodeAt(0) === 64 /* @ */ ? new FastqParser() : new FastaParser();
    }
    const events = parser.push(batch);
    if (events.length) yield events;
  }
  const last = parser?.end() ?? [];
  if (last.length) yield last;
}

function splitHeader(header: string): { id: string; description: string } {
  const text = header.slice(1).trim();
  const space = text.indexOf(' ');
  const tab = text.indexOf('\t');
  const end = space < 0 ? tab : tab < 0 ? space : Math.min(space, tab);
  if (end < 0) return { id: text, description: '' };
  return { id: text.slice(0, end), description: text.slice(end + 1).trim() };
}

function badCharacter(line: string): string {
  const bad = line.match(/[^A-Za-z*.-]/)![0];
  return `unexpected character ${JSON.stringify(bad)} in sequence, expected IUPAC letters, '-', '.' or '*'`;
}

/** Multi-line FASTA. */
class FastaParser {
  private lineNo = 0;
  private header: string | undefined;
  private headerLine = 0;
  private parts: string[] = [];
  private problem: { line: number; reason: string } | undefined;

  push(batch: string[]): ParseEvent[] {
    const events: ParseEvent[] = [];
    for (const line of batch) {
      this.lineNo++;
      if (line.charCodeAt(0) === 62 /* > */) {
        this.finish(events);
        this.header = line;
        this.headerLine = this.lineNo;
      } else if (line === '') {
        // blank lines between records are tolerated, as samtools does
      } else if (this.header === undefined) {
        const reason = "line before any header, expected a '>' (FASTA) or '@' (FASTQ) header line";
        events.push({ rejection: { line: this.lineNo, reason, lines: [line] } });
      } else {
        if (!this.problem && !SEQUENCE_LINE.test(line))
          this.problem = { line: this.lineNo, reason: badCharacter(line) };
        this.parts.push(line);
      }
    }
    return events;
  }

  end(): ParseEvent[] {
    const events: ParseEvent[] = [];
    this.finish(events);
    return events;
  }

  private finish(events: ParseEvent[]): void {
    const header = this.header;
    if (header === undefined) return;
    const { id, description } = splitHeader(header);
    if (!this.problem && id === '')
      this.problem = { line: this.headerLine, reason: "header has no name, expected '>name'" };
    const parts = this.parts;
    events.push(
      this.problem
        ? { rejection: { ...this.problem, lines: [header, ...parts] } }
        : { record: { id, description, seq: parts.length === 1 ? parts[0]! : parts.join('') } },
    );
    this.header = undefined;
    this.parts = [];
    this.problem = undefined;
  }
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
    if (!SEQUENCE_LINE.test(seq)) return { rejection: { line: at + 1, reason: badCharacter(seq), lines } };
    if (qual.length !== seq.length) {
      const reason = `quality length ${qual.length} differs from sequence length ${seq.length}, expected equal lengths`;
      return { rejection: { line: at + 3, reason, lines } };
    }
    const { id, description } = splitHeader(header);
    if (id === '') return { rejection: { line: at, reason: "header has no name, expected '@name'", lines } };
    return { record: { id, description, seq, qual } };
  }
}
