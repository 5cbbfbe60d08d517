import { closest, distance } from 'fastest-levenshtein';

/** A position in a workflow file, 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** An invalid workflow or invocation: exit code 2, message `file:line:col: ...`. */
export class WorkflowError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly position?: SourcePosition,
  ) {
    super(position ? `${position.file}:${position.line}:${position.col}: ${message}` : message);
    this.name = 'WorkflowError';
  }
}

/** Several problems found at once; each keeps its own position. */
export class WorkflowErrors extends Error {
  readonly exitCode = 2;
  constructor(readonly errors: WorkflowError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'WorkflowErrors';
  }
}

/** ` (did you mean "x"?)` when a known name is close to `name`, else ''. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const candidates = [...known];
  if (!candidates.length) return '';
  const best = closest(name, candidates);
  return distance(name, best) <= Math.max(2, Math.floor(best.length / 3)) ? ` (did you mean "${best}"?)` : '';
}
