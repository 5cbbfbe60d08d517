import type { RunOptions } from './run-state.js';
import { StdinSpool } from './stdin.js';

/** Where a run's stdin comes from. */
export interface StdinSource {
  spool: () => StdinSpool;
  /**
   * Its content hash, for comparing with what a stage read before; asked only on
   * `--resume` for a stage whose last run read stdin (the engine knows: it called `ctx.stdin()`).
   */
  hash: () => Promise<string | undefined>;
}

/**
 * Decides where stdin comes from. On a plain run it is spooled while it streams. On
 * `--resume`, `--reuse-stdin` (or a terminal on stdin) replays the last run's spool. Else
 * stdin is read in full, to compare it by hash, only when a stage that read stdin last
 * time could be reused; an empty stdin then replays the last spool. Otherwise it streams,
 * so a workflow that only writes stdout never waits on it.
 */
export async function prepareStdin(options: RunOptions, id: string): Promise<StdinSource> {
  let live: StdinSpool | undefined;
  const streamed = () => (live ??= StdinSpool.live(options.workDir, id, options.stdin));
  if (!options.resume) return { spool: streamed, hash: async () => undefined };
  const last = await StdinSpool.last(options.workDir);
  if (options.reuseStdin && !last)
    throw new Error('--reuse-stdin: no earlier run of this work dir read stdin');
  if (options.reuseStdin || (options.stdin.isTTY && last))
    return { spool: () => last!, hash: () => last!.hash };
  if (options.stdin.isTTY) return { spool: streamed, hash: async () => undefined };
  let read: Promise<StdinSpool> | undefined;
  let chosen: StdinSpool | undefined;
  const readAll = () =>
    (read ??= StdinSpool.full(options.workDir, id, options.stdin).then(({ spool, bytes }) => {
      chosen = bytes === 0 && last ? last : spool;
      return chosen;
    }));
  return { spool: () => chosen ?? streamed(), hash: async () => (await readAll()).hash };
}
