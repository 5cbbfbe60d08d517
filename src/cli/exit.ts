/** Exit codes: 0 ok, 1 run failed, 2 invalid workflow or usage, 130/143 interrupted. */
export function exitWith(code: number): never {
  process.exitCode = code;
  // Let stdout drain before leaving, even if worker pools or timers are still alive.
  process.stdout.write('', () => process.exit(code));
  throw new ExitSignal(code);
}

/** Thrown by exitWith so that nothing after it runs while stdout drains. */
export class ExitSignal extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Prints the error (its stack only with `debug`, i.e. --log-level debug) and exits with its code. */
export function reportError(error: unknown, debug = false): void {
  if (error instanceof ExitSignal) return;
  const err = error as Error & { exitCode?: number; position?: unknown; errors?: unknown };
  // Workflow errors already start with file:line:col.
  const located = err.name === 'WorkflowError' || err.name === 'WorkflowErrors';
  process.stderr.write(
    `${located && /^[^\s:]+:\d+:\d+: /.test(err.message) ? '' : 'genoflow: '}${err.message}\n`,
  );
  if (debug) process.stderr.write(`${err.stack}\n`);
  try {
    exitWith(err.exitCode ?? 1);
  } catch {
    // ExitSignal: the process ends once stdout drains
  }
}
