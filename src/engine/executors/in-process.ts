import { runAttempts } from '../attempt.js';
import type { ExecutorFactory } from './executor.js';

/** Runs a task's stages in this process, streaming through channels: the default. */
export const inProcessExecutor: ExecutorFactory = (run) => ({
  name: 'in-process',
  createHandler: () => ({
    nativeId: String(process.pid),
    async submit() {},
    outcome: (state) => runAttempts(run, state),
  }),
});
