import { spawn } from 'node:child_process';
import { spawnThroughHelper } from '../../src/engine/spawn-helper.js';
import { fixed, intArg, printTable } from '../lib.js';

/*
 * Why commands start through the spawn helper (src/engine/spawn-helper.ts): Node's spawn()
 * forks the whole process and blocks the event loop while it does, for longer the bigger the
 * process. N short commands (`sh -c true`, five stdio fds as a pipeline gets), started one
 * after another without waiting, at three process sizes: the engine process's CPU time per
 * command (user + system, the fork's page-table copy included), and the wall time until all
 * have exited, direct vs through the helper.
 *   node dist/bench/engine/spawn.js [--commands 300]
 */
const commands = intArg('commands', 300);
const ballast: Buffer[] = [];

interface Measured {
  cpuMs: number;
  wallMs: number;
}

async function timed(start: () => Promise<unknown>): Promise<Measured> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const exits: Promise<unknown>[] = [];
  for (let i = 0; i < commands; i++) exits.push(start());
  await Promise.all(exits);
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / commands, wallMs: performance.now() - started };
}

const direct = () =>
  timed(() => {
    const child = spawn('sh', ['-c', 'true'], {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    return new Promise((resolve) => child.on('close', resolve));
  });

async function helper(): Promise<Measured> {
  await (await spawnThroughHelper('true', [], 0)).exit; // started before the clock
  return timed(async () => {
    const child = await spawnThroughHelper('sh', ['-c', 'true'], 5);
    await child.exit;
    for (const socket of child.stdio) socket.destroy();
  });
}

const rows: string[][] = [];
for (const extraMb of [0, 100, 300]) {
  while (ballast.length < extraMb) ballast.push(Buffer.alloc(1 << 20, 1));
  const rssMb = Math.round(process.memoryUsage.rss() / 1048576);
  const d = await direct();
  const h = await helper();
  rows.push([
    `${rssMb} MB`,
    fixed(d.cpuMs),
    fixed(h.cpuMs),
    fixed(d.wallMs / 1000),
    fixed(h.wallMs / 1000),
    `${fixed(d.wallMs / h.wallMs, 1)}x`,
  ]);
}
printTable(
  `Starting ${commands} commands (sh -c true, 5 fds each): Node's spawn() vs the spawn helper`,
  [
    'engine RSS',
    'spawn(): engine CPU ms/command',
    'helper: engine CPU ms/command',
    'spawn() all exited s',
    'helper all exited s',
    'helper speed-up',
  ],
  rows,
);
process.exit(0);
