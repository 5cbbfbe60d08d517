import { type Output, openOutput, type StageContext } from '../../src/plugin-api/index.js';

/**
 * Where skipped input goes: the raw lines of each rejected record, written to the
 * `rejects` file when one is given, and counted as `rejected` either way.
 */
export class Rejects {
  private output: Output | undefined;

  constructor(
    private readonly ctx: StageContext<unknown>,
    path: string | undefined,
  ) {
    if (path !== undefined) this.output = openOutput(ctx, path);
  }

  async add(lines: string[]): Promise<void> {
    this.ctx.progress.count('rejected');
    if (this.output) await this.output.write(lines.join('\n') + '\n');
  }

  /** Publishes the rejects file when the stage succeeded, drops it otherwise. */
  async close(succeeded: boolean): Promise<void> {
    if (!this.output) return;
    if (succeeded) await this.output.commit();
    else await this.output.discard();
  }
}
