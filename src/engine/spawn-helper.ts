import { type ChildProcess, fork } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { type Deferred, deferred } from './run-state.js';

/*
 * Node forks its whole process image for every child it spawns, and the fork blocks the
 * event loop for as long as copying the page tables takes: ~2 ms for a bare Node, ~6 ms at
 * 150 MB, ~13 ms at 350 MB (measured in bench/engine/spawn.ts). A run of hundreds of short
 * commands spent most of its time there. So commands are started by a small helper process
 * instead: the engine connects a socket per stdio fd through a listening socket in Linux's
 * abstract namespace (no file), hands the far ends to the helper over IPC, and the helper
 * forks its own small image.
 */

export interface SpawnRequest {
  op: 'spawn';
  id: number;
  file: string;
  args: string[];
  cwd: string;
  /** How many `fd` messages (with their handles) come for it. */
  fds: number;
}

export type HelperRequest = { op: 'fd'; id: number; index: number } | SpawnRequest;

/** How a command exited. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type HelperReport =
  | { op: 'spawned'; id: number; pid: number }
  | { op: 'error'; id: number; message: string }
  | ({ op: 'exit'; id: number } & Exit);

/** A command started by the helper: its own process group, with `stdio` as its fds 0.. */
export interface HelperChild {
  pid: number;
  /** The engine's ends of the command's fds, in fd order. */
  stdio: Socket[];
  exit: Promise<Exit>;
}

interface Pending {
  spawned: Deferred<number>;
  exit: Deferred<Exit>;
}

class SpawnHelper {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private readonly accepted: Socket[] = [];
  private readonly accepting: ((socket: Socket) => void)[] = [];
  private dead: Error | undefined;

  private constructor(
    private readonly process: ChildProcess,
    server: Server,
    private readonly address: string,
  ) {
    process.on('message', (report: HelperReport) => this.received(report));
    process.on('exit', (code, signal) => {
      this.dead = new Error(`the spawn helper exited (${signal ?? `status ${code}`})`);
      for (const { spawned, exit } of this.pending.values()) {
        spawned.reject(this.dead);
        exit.reject(this.dead);
      }
      this.pending.clear();
      server.close();
    });
    server.on('connection', (socket) => {
      socket.pause();
      const waiting = this.accepting.shift();
      if (waiting) waiting(socket);
      else this.accepted.push(socket);
    });
  }

  static async start(): Promise<SpawnHelper> {
    const address = `\0genoflow-spawn-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address, resolve);
    });
    server.unref();
    const helper = fork(new URL('./spawn-helper-process.js', import.meta.url), [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: [],
    });
    // Neither keeps the engine alive, but for the channel while a command is pending.
    helper.unref();
    helper.channel?.unref();
    return new SpawnHelper(helper, server, address);
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Starts `file args` with `fds` fds (0..fds-1), each a socket whose other end is returned. */
  async spawn(file: string, args: string[], fds: number): Promise<HelperChild> {
    if (this.dead) throw this.dead;
    const id = this.nextId++;
    const pending: Pending = { spawned: deferred(), exit: deferred() };
    this.track(id, pending);
    const stdio: Socket[] = [];
    try {
      for (let index = 0; index < fds; index++) {
        const [ours, theirs] = await this.socketPair();
        stdio.push(ours);
        this.send({ op: 'fd', id, index }, theirs);
      }
      this.send({ op: 'spawn', id, file, args, cwd: process.cwd(), fds });
      return { pid: await pending.spawned.promise, stdio, exit: pending.exit.promise };
    } catch (err) {
      for (const socket of stdio) socket.destroy();
      this.settle(id);
      throw err;
    }
  }

  private send(request: HelperRequest, handle?: Socket): void {
    // The handle is closed here once sent: the helper holds it.
    this.process.send(request, handle as never, (err: Error | null) => {
      if (err) this.pending.get(request.id)?.spawned.reject(err);
    });
  }

  /** A connected pair of sockets: ours, and the one the helper gets. */
  private async socketPair(): Promise<[Socket, Socket]> {
    const ours = connect(this.address);
    ours.on('error', () => {}); // the command closed its end: its exit status says why
    const theirs = await new Promise<Socket>((resolve) => {
      const ready = this.accepted.shift();
      if (ready) resolve(ready);
      else this.accepting.push(resolve);
    });
    return [ours, theirs];
  }

  private received(report: HelperReport): void {
    const pending = this.pending.get(report.id);
    if (!pending) return;
    if (report.op === 'spawned') pending.spawned.resolve(report.pid);
    else if (report.op === 'error') {
      pending.spawned.reject(new Error(report.message));
      this.settle(report.id);
    } else {
      pending.exit.resolve({ code: report.code, signal: report.signal });
      this.settle(report.id);
    }
  }

  /** While a command is pending, the channel keeps the engine alive: its exit is still to come. */
  private track(id: number, pending: Pending): void {
    if (!this.pending.size) this.process.channel?.ref();
    this.pending.set(id, pending);
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (!this.pending.size) this.process.channel?.unref();
  }
}

let helper: Promise<SpawnHelper> | undefined;

/** Starts a command through this process's spawn helper (started on first use, again if it died). */
export async function spawnThroughHelper(file: string, args: string[], fds: number): Promise<HelperChild> {
  if (!helper || !(await helper).alive) helper = SpawnHelper.start();
  return (await helper).spawn(file, args, fds);
}
