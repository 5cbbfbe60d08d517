/**
 * The public API that plugins are written against. Of genomics it knows only what plugins
 * hand each other (record shapes, FASTA text in blocks), since a plugin may not import
 * another; nothing outside this folder may be imported by a plugin.
 */
export { z } from 'zod';
export { type Batch, batch, batchesOf, fastaBlock, inputBatches, inputBytes, lineBlock } from './batch.js';
export { BgzfFile, inflateBgzf } from './bgzf.js';
export { isBgzf } from './bgzf-block.js';
export { carryingCodec, codecContext } from './carrying-codec.js';
export { definePlugin, defineStage } from './define.js';
export { type Delimiter, detectFormat, splitRow } from './delimited.js';
export {
  badSequenceCharacter,
  copyFastaSequence,
  type FastaRecord,
  type FastaRejection,
  type FastaText,
  fastaHeaderFields,
  fastaRecords,
  MalformedFastaError,
  scanFastaText,
  splitFastaHeader,
} from './fasta-text.js';
export {
  decompressed,
  displayName,
  formatLine,
  lineBatches,
  lineChunks,
  type Output,
  openBytes,
  openOutput,
  peekBytes,
  readLineBatches,
  readLineChunks,
  writeOutput,
} from './io.js';
export { createPool, mapInOrder, type PoolTask, type WorkerPool } from './pool.js';
export { Rng, seededRandom } from './random.js';
export type { Prediction, SequenceRecord, TokenBatch, TokenizerSpec } from './records.js';
export { Rejects } from './rejects.js';
export type {
  CodecContext,
  CommandLine,
  InputPort,
  Logger,
  PluginDefinition,
  PortCodec,
  PortType,
  Progress,
  ReportSection,
  StageContext,
  StageDefinition,
  StageImplementation,
} from './types.js';
export { workerFile } from './worker-file.js';
