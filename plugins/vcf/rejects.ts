import { join } from 'node:path';
import { type Output, openOutput, type StageContext } from '../../src/plugin-api/index.js';

/**
 * Where skipped lines go in `on-invalid: skip` mode: each rejected line, verbatim, to the
 * rejects file (default `<scratch>/rejects.txt`), counted as `rejected`. The file is
 * opened on the first rejection, so a clean input leaves none.
 */
export class Rejects {
  private output: Output | undefined;
  private readonly path: string;
  count = 0;

  constructor(
    private readonly ctx: StageContext<unknown>,
    path: string | undefined,
  ) {
    this.path = path ?? join(ctx.scratchDir, 'rejects.txt');
  }

  async add(line: string | undefined, where: string, reason: string): Promise<void> {
    this.ctx.log.warn(`${where}: skipped: ${reason}`);
    this.ctx.progress.count('rejected');
    this.count++;
    if (line === undefined) return;
    if (!this.output) {
      this.output = openOutput(this.ctx, this.path);
      this.ctx.declareOutputFile(this.ctx.resolvePath(this.path));
    }
    await this.output.write(`${line}\n`);
  }

  /** Publishes the rejects file when the stage succeeded, drops it otherwise. */
  async close(succeeded: boolean): Promise<void> {
    if (this.count)
      this.ctx.log.warn(`${this.count} line(s) rejected, see ${this.ctx.resolvePath(this.path)}`);
    if (!this.output) return;
    if (succeeded) await this.output.commit();
    else await this.output.discard();
  }
}
