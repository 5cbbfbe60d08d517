import { execFileSync, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createReporter, writeStderr } from '../../src/engine/progress.js';
import { cliPath, repoRoot, tempDir } from '../helpers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** Runs `command` in a detached 160x50 tmux terminal until it exits; the rendered screen. */
function renderedScreen(command: string, cwd: string): string {
  // A server of its own (-L): nothing another tmux user does can reach it.
  const socket = `genoflow-test-${process.pid}`;
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', timeout: 120_000 });
  tmux(
    'new-session',
    '-d',
    '-s',
    'demo',
    '-x',
    '160',
    '-y',
    '50',
    '-c',
    cwd,
    `${command}; tmux -L ${socket} wait-for -S done; sleep 60`,
  );
  try {
    tmux('wait-for', 'done');
    return tmux('capture-pane', '-p', '-t', 'demo');
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
  }
}

describe('the terminal', () => {
  afterEach(() => vi.restoreAllMocks());

  it.runIf(hasTmux)("on a TTY the progress bars never draw over the demo's final metrics table", () => {
    const dir = tempDir('tty');
    const screen = renderedScreen(
      `node ${cliPath} run ${repoRoot}/workflows/promoter-classifier.yaml -p epochs=2 -p outdir=${dir}/results --work-dir ${dir}/work`,
      repoRoot,
    );
    const lines = screen.split('\n');
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const table = [
      /^\[evaluation\] n=160 {2}accuracy \d\.\d{4} {2}MCC -?\d\.\d{4} {2}ROC AUC \d\.\d{4} {2}PR AUC \d\.\d{4}$/,
      /^\[evaluation\] class {12}precision recall {2}f1 {6}support$/,
      /^\[evaluation\] other {12}\d\.\d{4} {4}\d\.\d{4} {2}\d\.\d{4} {2}80$/,
      /^\[evaluation\] promoter {9}\d\.\d{4} {4}\d\.\d{4} {2}\d\.\d{4} {2}80$/,
      /^\[evaluation\] macro {12}\d\.\d{4} {4}\d\.\d{4} {2}\d\.\d{4} {2}160$/,
    ];
    const first = at(table[0]!);
    expect(first, screen).toBeGreaterThanOrEqual(0);
    for (const [i, row] of table.entries()) expect(lines[first + i], screen).toMatch(row);
    // The bars, once, below the table; then the summary.
    expect(lines.filter((l) => /^evaluation\s+\d+ records/.test(l))).toHaveLength(1);
    expect(at(/^evaluation\s+\d+ records/)).toBeGreaterThan(first + 4);
    expect(at(/^7 stages: 0 cached, 7 run, 0 failed/)).toBeGreaterThan(first);
  });

  it('piped, a status the stage has just logged is not printed again as a heartbeat', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const reporter = await createReporter('lines', 20);
    const stage = { name: 'model', records: () => 0, status: '', started: Date.now(), done: false };
    reporter.track(stage);
    writeStderr('[model] epoch 3/3 loss 0.62\n');
    stage.status = 'epoch 3/3 loss 0.62';
    await new Promise((r) => setTimeout(r, 80));
    stage.status = 'evaluating';
    await new Promise((r) => setTimeout(r, 80));
    reporter.stop();
    expect(written.filter((w) => w.includes('epoch 3/3'))).toEqual(['[model] epoch 3/3 loss 0.62\n']);
    expect(written.filter((w) => w.includes('evaluating'))).toHaveLength(1);
  });
});
