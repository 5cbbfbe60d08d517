import type { Output } from './io.js';
import { openOutput } from './io.js';
import type { StageContext } from './types.js';

/**
 * Where skipped input goes in `on-invalid: skip` mode: the raw lines of each rejected
 * record, verbatim, to the rejects file (default `<stage>.rejects.txt` in the working
 * directory), each rejection logged and counted as `rejected` in the trace. The file is
 * opened on the first rejection, so a clean input leaves none, and it is published only if
 * the stage succeeds.
 */
export class Rejects {
  private output: Output | undefined;
  private readonly path: string;
  count = 0;

  constructor(
    private readonly ctx: StageContext<unknown>,
    path: string | undefined,
  ) {
    this.path = path ?? `${ctx.stageName}.rejects.txt`;
  }

  /** Records one rejection: `where` (file:line) and `reason` for the log, `lines` for the file. */
  async add(lines: string | readonly string[] | undefined, where: string, reason: string): Promise<void> {
    this.ctx.log.warn(`${where}: skipped: ${reason}`);
    this.ctx.progress.count('rejected');
    this.count++;
    if (lines === undefined) return;
    if (!this.output) {
      this.output = openOutput(this.ctx, this.path);
    }
    await this.output.write(`${typeof lines === 'string' ? lines : lines.join('\n')}\n`);
  }

  /** Publishes the rejects file when the stage succeeded, drops it otherwise. */
  async close(succeeded: boolean): Promise<void> {
    if (this.count)
      this.ctx.log.warn(`${this.count} record(s) rejected, see ${this.ctx.resolvePath(this.path)}`);
    if (!this.output) return;
    if (succeeded) await this.output.commit();
    else await this.output.discard();
  }
}
