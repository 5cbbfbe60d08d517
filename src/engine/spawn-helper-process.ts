/**
 * The spawn helper (see spawn-helper.ts): a small Node process that starts commands for the
 * engine, so that the engine's own large process image is never forked. It receives each
 * command's stdio as socket handles over IPC, starts the command in its own process group
 * with them as its fds, and reports the pid and the exit.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { HelperReport, HelperRequest, SpawnRequest } from './spawn-helper.js';

const report = (message: HelperReport) => process.send!(message);
/** Per command: the fds received so far, and the request once it came (IPC may order them either way). */
const commands = new Map<number, { stdio: Socket[]; received: number; request?: SpawnRequest }>();

process.on('message', (message: HelperRequest, handle?: Socket) => {
  if (!commands.has(message.id)) commands.set(message.id, { stdio: [], received: 0 });
  const command = commands.get(message.id)!;
  if (message.op === 'fd') {
    command.stdio[message.index] = handle!;
    command.received++;
  } else command.request = message;
  if (command.request && command.received === command.request.fds) {
    commands.delete(message.id);
    start(command.request, command.stdio);
  }
});

function start(request: SpawnRequest, stdio: Socket[]): void {
  // The command shares these sockets' file descriptions: it expects blocking fds, as a
  // pipe from a shell would be (Node made them non-blocking).
  for (const socket of stdio)
    (socket as unknown as { _handle: { setBlocking(on: boolean): number } })._handle.setBlocking(true);
  try {
    // spawn() pads the list it is given: a copy, with /dev/null for fds 0-2 the engine did not give.
    const fds: (Socket | 'ignore')[] = [...stdio];
    while (fds.length < 3) fds.push('ignore');
    const child = spawn(request.file, request.args, { stdio: fds, detached: true, cwd: request.cwd });
    child.on('error', (err) => report({ op: 'error', id: request.id, message: err.message }));
    child.on('spawn', () => report({ op: 'spawned', id: request.id, pid: child.pid! }));
    child.on('exit', (code, signal) => report({ op: 'exit', id: request.id, code, signal }));
  } catch (err) {
    report({ op: 'error', id: request.id, message: (err as Error).message });
  } finally {
    // The command holds its own copies of the fds.
    for (const socket of stdio) socket.destroy();
  }
}
// A Ctrl-C reaches the whole terminal's process group: the engine decides what to stop.
process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));
