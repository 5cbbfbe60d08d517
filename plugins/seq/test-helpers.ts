import type { StageDefinition } from '../../src/plugin-api/index.js';
import { stageError } from '../../src/plugin-api/testing.js';

/** The message of the error a stage fails with. */
export async function stageFailure<P>(
  stage: StageDefinition<P, unknown>,
  params: Record<string, unknown>,
  inputs: Record<string, Iterable<unknown>> = {},
  stdin = '',
): Promise<string> {
  return (await stageError(stage, { params, inputs, stdin })).message;
}
