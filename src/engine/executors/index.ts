import { didYouMean, WorkflowError } from '../../workflow/errors.js';
import type { Executor } from './executor.js';
import { inProcessExecutor } from './in-process.js';
import { processExecutor } from './process.js';

const executors: Record<string, Executor> = {
  [inProcessExecutor.name]: inProcessExecutor,
  [processExecutor.name]: processExecutor,
};

export const executorNames = Object.keys(executors);

export function executorNamed(name: string): Executor {
  const executor = executors[name];
  if (!executor)
    throw new WorkflowError(
      `unknown executor "${name}"${didYouMean(name, executorNames)}; known: ${executorNames.join(', ')}`,
    );
  return executor;
}
