import { displayName, readLineBatches, type StageContext } from '../../src/plugin-api/index.js';
import { invalidSequenceReason, isNucleotides } from './dna.js';
import type { LabelledEvent } from './labelled-events.js';

/** The records of one FASTA file (multi-line, plain or gzipped), all given `label`. */
export async function* fastaRecords(
  ctx: StageContext<unknown>,
  path: string,
  label: string,
  uppercase: boolean,
): AsyncGenerator<LabelledEvent[]> {
  const name = displayName(path);
  let header: { id: string; line: number; text: string } | undefined;
  let parts: string[] = [];
  let lineNo = 0;

  const finish = (events: LabelledEvent[]) => {
    if (!header) return;
    const seq = parts.join('');
    const where = `${name}:${header.line}`;
    if (header.id === '') {
      events.push({
        rejection: { where, reason: "header has no name, expected '>name'", lines: [header.text, ...parts] },
      });
    } else if (!isNucleotides(seq)) {
      events.push({
        rejection: { where, reason: invalidSequenceReason(seq), lines: [header.text, ...parts] },
      });
    } else {
      events.push({ record: { id: header.id, seq: uppercase ? seq.toUpperCase() : seq, label } });
    }
    header = undefined;
    parts = [];
  };

  for await (const lines of readLineBatches(ctx, path)) {
    const events: LabelledEvent[] = [];
    for (const line of lines) {
      lineNo++;
      if (line.startsWith('>')) {
        finish(events);
        header = { id: line.slice(1).trim().split(/\s/, 1)[0]!, line: lineNo, text: line };
      } else if (line.trim() === '') {
        // blank lines between records are tolerated
      } else if (!header) {
        const reason = "sequence line before any header, expected a '>' header line";
        events.push({ rejection: { where: `${name}:${lineNo}`, reason, lines: [line] } });
      } else {
        parts.push(line.trim());
      }
    }
    yield events;
  }
  const last: LabelledEvent[] = [];
  finish(last);
  yield last;
}
