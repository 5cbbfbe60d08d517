import { writeFile } from 'node:fs/promises';
import type { TokenizerSpec } from '../../src/plugin-api/index.js';
import { vocabulary } from './tokenizer.js';

/** `vocab.txt` as model bundles carry it: one token per line, line i (0-based) is id i. */
export function vocabularyText(spec: TokenizerSpec): string {
  return `${vocabulary(spec).join('\n')}\n`;
}

/** Writes `vocab.txt` for a spec (e.g. into a model bundle). */
export async function writeVocabulary(path: string, spec: TokenizerSpec): Promise<void> {
  await writeFile(path, vocabularyText(spec));
}
