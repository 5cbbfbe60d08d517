import { didYouMean, WorkflowError } from '../../workflow/errors.js';
import type { RunContext } from '../run-state.js';
import type { Executor, ExecutorFactory } from './executor.js';
import { inProcessExecutor } from './in-process.js';
import { processExecutor } from './process.js';
import { slurmExecutor } from './slurm/index.js';

const executors: Record<string, ExecutorFactory> = {
  'in-process': inProcessExecutor,
  process: processExecutor,
  slurm: slurmExecutor,
};

export const executorNames = Object.keys(executors);

/** The run's executor of that name. */
export function createExecutor(name: string, run: RunContext): Executor {
  const executor = executors[name];
  if (!executor)
    throw new WorkflowError(
      `unknown executor "${name}"${didYouMean(name, executorNames)}; known: ${executorNames.join(', ')}`,
    );
  return executor(run);
}
