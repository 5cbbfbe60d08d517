import type { SequenceRecord } from '../../src/plugin-api/index.js';

/** What a labelled-set reader gives: a record, or a bad row/record with where it is. */
export type LabelledEvent =
  | { record: SequenceRecord }
  | { rejection: { where: string; reason: string; lines: string[] } };
