/**
 * FASTA text of whole records, as read and not yet parsed. `fasta.read` hands its input on
 * in blocks of it (see `fastaBlock` in batch.ts) so that a stage with heavy per-base work
 * can parse it inside its worker threads, off the main thread; every other consumer gets
 * records, parsed on first access. One scanner serves both, so both see the same records
 * and the same errors.
 */
import type { SequenceRecord } from './records.js';

export interface FastaText {
  /** Whole records: each header line with its sequence lines (a worker it is posted to gets a copy). */
  bytes: Uint8Array;
  /** The file's name in messages. */
  file: string;
  /** Line number of the first byte in the file. */
  firstLine: number;
  /** How many records (header lines) `bytes` holds. */
  records: number;
  /** A label given to every record. */
  label?: string;
}

/** A record as `fasta.read` gives it: the header's rest rides along as `description`. */
export interface FastaRecord extends SequenceRecord {
  description?: string;
}

/** A malformed record: the line at fault, what is wrong, and the record's raw lines. */
export interface FastaRejection {
  line: number;
  reason: string;
  lines: string[];
}

/** A malformed record met by `scanFastaText` with no `onRejection`: `file:line: what, expected what`. */
export class MalformedFastaError extends Error {}

/**
 * Where a record lies in `bytes`: its header line after the `>`, and its sequence lines
 * (newlines included, the last one's not); `lines` counts them (1 for most reads).
 */
export type OnFastaRecord = (
  headerStart: number,
  headerEnd: number,
  seqStart: number,
  seqEnd: number,
  lines: number,
) => void;

export interface ScanOptions {
  /** Receives each malformed record; without it the first one throws `MalformedFastaError`. */
  onRejection?: (rejection: FastaRejection) => void;
  /**
   * Whether each sequence byte is checked (letters, `*`, `.`, `-`): true by default; a
   * consumer whose own kernel rejects every byte that is no base can skip the pass.
   */
  checkBases?: boolean;
}

/** Bytes allowed in a sequence line: letters (IUPAC codes, soft-masked or not), gaps and stops. */
const SEQUENCE_BYTE = (() => {
  const table = new Uint8Array(256);
  for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz*.-') table[ch.charCodeAt(0)] = 1;
  return table;
})();

const HEADER = 62; // '>'

/**
 * Calls `onRecord` for each well-formed record of `text`, in order. A malformed record (a
 * bad byte in its sequence, a header with no name) or a line before the first header is
 * rejected (see `ScanOptions`) with `file:line: what, expected what`. Blank lines are
 * tolerated, as samtools does; `\r\n` line ends are accepted. Lines are found with native
 * searches: the only loop over every byte is the optional check.
 */
export function scanFastaText(text: FastaText, onRecord: OnFastaRecord, options: ScanOptions = {}): void {
  const { bytes } = text;
  const { onRejection, checkBases = true } = options;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let header = -1;
  let headerEnd = 0;
  let seqStart = 0;
  let seqEnd = 0;
  let lines = 0;
  let problem: { at: number; reason: string } | undefined;
  const reject = (at: number, reason: string, from: number, to: number) => {
    const line = lineAt(text, at);
    if (!onRejection) throw new MalformedFastaError(`${text.file}:${line}: ${reason}`);
    onRejection({ line, reason, lines: decode(bytes, from, to).split(/\r?\n/) });
  };
  const finish = () => {
    if (header < 0) return;
    if (!problem && isBlankRange(bytes, header + 1, headerEnd))
      problem = { at: header, reason: "header has no name, expected '>name'" };
    if (problem) reject(problem.at, problem.reason, header, lines ? seqEnd : headerEnd);
    else onRecord(header + 1, headerEnd, seqStart, lines ? seqEnd : seqStart, lines);
    header = -1;
    problem = undefined;
  };
  let pos = 0;
  while (pos < n) {
    let newline = buffer.indexOf(10, pos);
    if (newline < 0) newline = n;
    const end = newline > pos && bytes[newline - 1] === 13 ? newline - 1 : newline;
    if (bytes[pos] === HEADER) {
      finish();
      header = pos;
      headerEnd = end;
      seqStart = newline + 1;
      lines = 0;
    } else if (end > pos) {
      if (header < 0) {
        reject(pos, STRAY_LINE, pos, end);
      } else {
        if (checkBases && !problem) {
          const bad = firstBadByte(bytes, pos, end);
          if (bad >= 0) problem = { at: bad, reason: badSequenceCharacter(String.fromCharCode(bytes[bad]!)) };
        }
        seqEnd = end;
        lines++;
      }
    }
    pos = newline + 1;
  }
  finish();
}

function firstBadByte(bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (SEQUENCE_BYTE[bytes[i]!] === 0) return i;
  return -1;
}

const STRAY_LINE = "line before any header, expected a '>' (FASTA) or '@' (FASTQ) header line";

/** Why a sequence line with `char` in it is rejected (FASTA and FASTQ alike). */
export function badSequenceCharacter(char: string): string {
  return `unexpected character ${JSON.stringify(char)} in sequence, expected IUPAC letters, '-', '.' or '*'`;
}

function isBlankRange(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 32 && bytes[i] !== 9) return false;
  return true;
}

/** The line number of byte `at`: counted only when a message needs it. */
function lineAt(text: FastaText, at: number): number {
  let line = text.firstLine;
  for (let i = 0; i < at; i++) if (text.bytes[i] === 10) line++;
  return line;
}

function decode(bytes: Uint8Array, from: number, to: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('utf8');
}

/** A header line (after `>`) split into its first word, the id, and the rest. */
export function splitFastaHeader(text: string): { id: string; description: string } {
  const trimmed = text.trim();
  const space = trimmed.indexOf(' ');
  const tab = trimmed.indexOf('\t');
  const end = space < 0 ? tab : tab < 0 ? space : Math.min(space, tab);
  if (end < 0) return { id: trimmed, description: '' };
  return { id: trimmed.slice(0, end), description: trimmed.slice(end + 1).trim() };
}

/** The record fields of the header at `headerStart` (as given to `OnFastaRecord`), without the sequence. */
export function fastaHeaderFields(text: FastaText, headerStart: number): Omit<FastaRecord, 'seq'> {
  const { bytes } = text;
  let end = headerStart;
  while (end < bytes.length && bytes[end] !== 10) end++;
  if (end > headerStart && bytes[end - 1] === 13) end--;
  const { id, description } = splitFastaHeader(decode(bytes, headerStart, end));
  const fields: Omit<FastaRecord, 'seq'> = { id };
  if (description) fields.description = description;
  if (text.label !== undefined) fields.label = text.label;
  return fields;
}

/** The records of `text` (see `scanFastaText` for errors and `onRejection`). */
export function fastaRecords(
  text: FastaText,
  onRejection?: (rejection: FastaRejection) => void,
): FastaRecord[] {
  const { bytes } = text;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: FastaRecord[] = [];
  scanFastaText(
    text,
    (headerStart, _headerEnd, seqStart, seqEnd) => {
      const record = fastaHeaderFields(text, headerStart) as FastaRecord;
      const seq = buffer.toString('latin1', seqStart, seqEnd);
      record.seq = seq.includes('\n') ? seq.replace(/\r?\n/g, '') : seq;
      records.push(record);
    },
    { onRejection },
  );
  return records;
}

/**
 * Copies the bases of `bytes[seqStart, seqEnd)` (a record's `lines` sequence lines, as
 * given to `OnFastaRecord`) to `into` at `at`, leaving out line ends; returns how many.
 */
export function copyFastaSequence(
  bytes: Uint8Array,
  seqStart: number,
  seqEnd: number,
  lines: number,
  into: Uint8Array,
  at: number,
): number {
  if (lines === 1) {
    into.set(bytes.subarray(seqStart, seqEnd), at);
    return seqEnd - seqStart;
  }
  let written = 0;
  for (let i = seqStart; i < seqEnd; i++) {
    const byte = bytes[i]!;
    if (byte !== 10 && byte !== 13) into[at + written++] = byte;
  }
  return written;
}
