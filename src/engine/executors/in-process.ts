import { runAttempts } from '../attempt.js';
import type { Executor } from './executor.js';

/** Runs a task's stages in this process, streaming through channels: the default. */
export const inProcessExecutor: Executor = {
  name: 'in-process',
  createHandler(run) {
    return {
      nativeId: String(process.pid),
      async submit() {},
      outcome: (state) => runAttempts(run, state),
    };
  },
};
