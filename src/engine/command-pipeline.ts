import { once } from 'node:events';
import { open, stat, unlink } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { type Batch, inputBytes, lineBlock } from '../plugin-api/batch.js';
import { lineBatches, lineChunks } from '../plugin-api/io.js';
import type { CommandLine, StageContext } from '../plugin-api/types.js';
import type { Channel } from './channel.js';
import { type Deferred, deferred } from './run-state.js';
import { type HelperChild, spawnThroughHelper } from './spawn-helper.js';

/** How a member of a pipeline ended, as its stage will report it. */
type Ending =
  | { status: number }
  /** The pipeline was stopped because of member `by` (it failed to start, was aborted, or its reader stopped). */
  | { stoppedBy: number; reason: unknown };

interface Member {
  ctx: StageContext<unknown>;
  line: CommandLine;
  /** The consumers' channels (one, inside a pipeline): cancelled when the reader stopped early. */
  outputs: Channel<unknown>[];
}

/**
 * Command stages that stream to each other, run as one OS pipeline: one `sh` that wires
 * the members' stdin and stdout with pipes, so their bytes never pass through Node, and one
 * process is started for the whole chain rather than one per member. Each member keeps its
 * own exit status (reported on fd 3 as it exits), stderr (a file in its scratch dir) and
 * outcome. A lone command stage is a pipeline of one.
 *
 * Each member's stage joins with its context; the pipeline starts once all have joined
 * (or is given up if one settles without joining). The first member is fed from its input;
 * the last member's stdout lines are its output.
 */
export class CommandPipeline {
  private readonly members: (Member | undefined)[];
  private readonly endings: Deferred<Ending>[];
  private readonly stdout = deferred<NodeJS.ReadableStream>();
  private stopped = false;
  private stopProcess: (() => void) | undefined;

  /**
   * @param names the members' stage names, in pipe order
   * @param settled per member, settles when its stage has (a member that settles without
   *   joining, because its attempt failed before it ran, stops the pipeline)
   */
  constructor(
    private readonly names: readonly string[],
    private readonly settled: readonly Promise<unknown>[] = [],
  ) {
    this.members = names.map(() => undefined);
    this.endings = names.map(() => deferred<Ending>());
    for (const [i, promise] of settled.entries()) {
      promise.finally(() => {
        if (!this.members[i]) this.stop(i, new Error(`stage ${names[i]} ended before it ran`));
      });
    }
  }

  /** The run of member `index`: resolves (or, for the last member, yields its lines) as its command ends. */
  async *member(
    index: number,
    ctx: StageContext<unknown>,
    line: CommandLine,
    outputs: Channel<unknown>[],
  ): AsyncGenerator<Batch<string>> {
    for (const name of Object.keys(line.env))
      if (!/^[A-Za-z_]\w*$/.test(name)) throw new Error(`env ${JSON.stringify(name)}: not a variable name`);
    const stopOnAbort = () => this.stop(index, ctx.signal.reason);
    ctx.signal.addEventListener('abort', stopOnAbort, { once: true });
    if (this.names.length > 1) ctx.progress.count('os-pipeline-stages', this.names.length);
    this.members[index] = { ctx, line, outputs };
    if (ctx.signal.aborted) stopOnAbort();
    else if (this.members.every(Boolean)) await this.start();
    const last = index === this.names.length - 1;
    let ended = false;
    try {
      if (last) {
        const stdout = await this.stdout.promise.catch(() => undefined);
        if (stdout) for await (const chunk of lineChunks(stdout)) yield lineBlock(chunk);
      }
      await this.outcome(index, await this.endings[index]!.promise);
      ended = true;
    } finally {
      ctx.signal.removeEventListener('abort', stopOnAbort);
      // The last member's consumers stopped reading, or it failed: the rest is not wanted.
      if (last && !ended) this.stop(index, new Error('its consumers stopped reading'));
    }
  }

  /** Ends the pipeline on account of member `by`; the first stop is the one reported. */
  private stop(by: number, reason: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopProcess?.();
    if (!this.stopProcess) this.stdout.reject(reason);
    // Members still running end now; the process's own report of them no longer counts.
    for (const ending of this.endings) ending.resolve({ stoppedBy: by, reason });
  }

  /** Why member `index` ended, as its stage's outcome: returns if it completed (or was cut short by its reader). */
  private async outcome(index: number, ending: Ending): Promise<void> {
    const member = this.members[index]!;
    // An empty stderr file is not worth keeping a failed attempt's scratch dir for.
    await unlinkIfEmpty(stderrFile(member));
    if (member.ctx.signal.aborted) throw member.ctx.signal.reason;
    const cutShort = () => {
      // Its reader stopped before the end: the stage is truncated, as when a Node consumer stops.
      for (const out of member.outputs) out.cancel();
    };
    if ('stoppedBy' in ending && index === ending.stoppedBy) throw ending.reason;
    // A member upstream that failed is why this one's input ended early: it is blamed (once
    // its stage has settled, so that the run reports it first), and this one did not complete.
    const failed = await this.failedBefore(index);
    if (failed !== undefined) {
      await this.settled[failed];
      throw new Error(`stopped: stage ${this.names[failed]}, upstream in its pipeline, failed`);
    }
    if ('stoppedBy' in ending) return cutShort();
    if (ending.status === 0) return;
    if (this.cutByReader(ending, index)) return cutShort();
    const signal = ending.status > 128 ? signalName(ending.status - 128) : undefined;
    const why = signal ? `was killed by ${signal}` : `exited with status ${ending.status}`;
    const tail = await stderrTail(stderrFile(member), member.line.stderrLines);
    throw new Error(
      `command ${member.line.display} ${why}${tail.length ? `; its stderr ended with:\n  ${tail.join('\n  ')}` : ''}`,
    );
  }

  /**
   * Killed by SIGPIPE: its reader closed its input early (`head`). A command that handles
   * EPIPE itself and exits with an error fails here, where unfused it would have been cut short.
   */
  private cutByReader(ending: { status: number }, index: number): boolean {
    return ending.status === 128 + constants.signals.SIGPIPE && index < this.names.length - 1;
  }

  /** The first member before `index` that failed, once all of them have ended. */
  private async failedBefore(index: number): Promise<number | undefined> {
    for (let j = 0; j < index; j++) {
      const ending = await this.endings[j]!.promise.catch(() => undefined);
      if (!ending) return j;
      if (
        'stoppedBy' in ending ? ending.stoppedBy === j : ending.status !== 0 && !this.cutByReader(ending, j)
      )
        return j;
    }
    return undefined;
  }

  private async start(): Promise<void> {
    if (this.stopped) return;
    const members = this.members as Member[];
    const elements = members.map((m, i) => {
      const assignments = Object.entries(m.line.env).map(([name, value]) => `${name}=${shellQuote(value)} `);
      const argv = [m.line.file, ...m.line.args].map(shellQuote).join(' ');
      // The first member reads the input from fd 4; no command sees fd 3 or 4.
      const stdin = i === 0 ? ' <&4' : '';
      return `{ ${assignments.join('')}${argv}${stdin} 2>${shellQuote(stderrFile(m))} 3>&- 4<&-; echo "${i} $?" >&3; }`;
    });
    // The script comes on sh's stdin (it may be too long for an argument, and leaves no file),
    // the input on fd 4, each member's exit status on fd 3. Own process group, so that the
    // whole pipeline (and what its commands start) ends together.
    let child: HelperChild;
    try {
      child = await spawnThroughHelper('sh', ['-s'], 5);
    } catch (err) {
      return this.stop(0, err);
    }
    const [script, stdout, stderr, statuses, input] = child.stdio as [Socket, Socket, Socket, Socket, Socket];
    let running = true;
    this.stopProcess = () => {
      if (!running) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    if (this.stopped) this.stopProcess();
    script.end(`${elements.join(' |\n')}\n`);
    const shellErrors: string[] = [];
    const collectingShellErrors = (async () => {
      for await (const batch of lineBatches(stderr))
        shellErrors.push(...batch.slice(0, 20 - shellErrors.length));
    })();
    const readingStatuses = (async () => {
      for await (const batch of lineBatches(statuses)) {
        for (const report of batch) {
          const [i, status] = report.split(' ').map(Number) as [number, number];
          this.endings[i]?.resolve({ status });
        }
      }
    })();
    Promise.allSettled([child.exit, collectingShellErrors, readingStatuses]).then(() => {
      running = false;
      // Nothing reads these two, so their closing is never seen: they are let go here.
      script.destroy();
      input.destroy();
      const said = shellErrors.length ? `: ${shellErrors.join('; ')}` : '';
      for (const [i, ending] of this.endings.entries())
        ending.reject(new Error(`stage ${this.names[i]}'s command ended without an exit status${said}`));
    });
    this.stdout.resolve(stdout);
    this.feed(members[0]!.ctx, input);
  }

  /** The first member's input, as lines on the pipeline's stdin. */
  private feed(ctx: StageContext<unknown>, stdin: Socket): void {
    stdin.on('error', () => {}); // a command that stops reading is not an error by itself
    const input = ctx.inputs.in;
    (async () => {
      if (input) {
        for await (const chunk of inputBytes(input)) {
          // A closed stdin (EPIPE) ends the feeding; the command's exit status tells the rest.
          if (!stdin.write(chunk) && !stdin.destroyed) await once(stdin, 'drain').catch(() => {});
          if (stdin.destroyed || this.stopped) break;
        }
      }
      stdin.end();
    })().catch((err) => this.stop(0, err));
  }
}

/** Quoted for sh: inside single quotes nothing is special but the quote itself. */
const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

const stderrFile = (member: Member) => join(member.ctx.scratchDir, 'stderr');

async function unlinkIfEmpty(path: string): Promise<void> {
  if ((await stat(path).catch(() => undefined))?.size === 0) await unlink(path).catch(() => {});
}

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
}

/** The last `lines` lines of a member's stderr file (its last 64 KiB are read). */
async function stderrTail(path: string, lines: number): Promise<string[]> {
  if (!lines) return [];
  const file = await open(path).catch(() => undefined);
  if (!file) return [];
  try {
    const { size } = await file.stat();
    const length = Math.min(size, 65536);
    const { buffer } = await file.read(Buffer.alloc(length), 0, length, size - length);
    return buffer.toString('utf8').split('\n').filter(Boolean).slice(-lines);
  } finally {
    await file.close();
  }
}
