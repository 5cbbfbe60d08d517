import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/engine/trace.js';
import { cli, tempDir, writeFile } from '../helpers.js';

const workflow = `name: integrity
params:
  tag: "n"
stages:
  numbers:
    uses: shell.run
    with: { command: "seq 1 300000" }
    store: true
  tagged:
    uses: shell.run
    from: numbers
    with: { command: "sed s/^/\${params.tag}/" }
  file:
    uses: text.write
    from: tagged
    with: { path: out.txt }
  shown:
    uses: text.write
    from: tagged
    with: { path: "-" }
`;

async function run(dir: string, args: string[]) {
  const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}.tsv`);
  const result = await cli(['run', 'wf.yaml', ...args, '--trace', trace], { cwd: dir });
  const rows = parseTrace(readFileSync(trace, 'utf8'));
  return { ...result, status: Object.fromEntries(rows.map((r) => [r.stage, r.status])) };
}

/** The committed entry of a stage, found by its manifest. */
function entryOf(dir: string, stage: string) {
  const entries = join(dir, '.genoflow/cache/entries');
  for (const name of readdirSync(entries)) {
    if (name.startsWith('.')) continue;
    const manifest = JSON.parse(readFileSync(join(entries, name, 'manifest.json'), 'utf8'));
    if (manifest.stage === stage) return { dir: join(entries, name), manifest };
  }
  throw new Error(`no entry of ${stage}`);
}

/** Turns one digit in the middle of an entry into another: the frames stay well formed. */
function flipDigit(file: string): void {
  const data = readFileSync(file);
  let at = data.length >> 1;
  while (data[at]! < 0x30 || data[at]! > 0x38) at++;
  data[at]! += 1;
  writeFileSync(file, data);
}

describe('a stored entry is verified before any of its records is used', () => {
  it('one flipped byte: nothing corrupted reaches stdout or a file, the stage re-runs, the entry is replaced', async () => {
    const clean = tempDir('integrity-fresh');
    writeFile(clean, 'wf.yaml', workflow);
    const fresh = await run(clean, ['-p', 'tag=m']);
    expect(fresh.code, fresh.stderr).toBe(0);
    const expected = readFileSync(join(clean, 'out.txt'));
    expect(fresh.stdout.equals(expected)).toBe(true);
    expect(expected.toString().split('\n')[299_999]).toBe('m300000');

    const dir = tempDir('integrity');
    writeFile(dir, 'wf.yaml', workflow);
    const first = await run(dir, []);
    expect(first.code, first.stderr).toBe(0);
    const entry = entryOf(dir, 'numbers');
    flipDigit(join(entry.dir, 'output.bin'));

    const dry = await cli(['run', 'wf.yaml', '--dry-run', '-p', 'tag=m'], { cwd: dir });
    expect(dry.stdout.toString()).toMatch(/^numbers +run +entry corrupt \(checksum mismatch\)$/m);
    expect(readdirSync(entry.dir)).toContain('output.bin');

    const healed = await run(dir, ['--resume', '-p', 'tag=m']);
    expect(healed.code, healed.stderr).toBe(0);
    expect(healed.stderr).toContain(`cache entry ${entry.dir} is corrupt (checksum mismatch)`);
    expect(healed.status).toEqual({
      numbers: 'COMPLETED',
      tagged: 'COMPLETED',
      file: 'COMPLETED',
      shown: 'COMPLETED',
    });
    expect(healed.stdout.equals(expected)).toBe(true);
    expect(readFileSync(join(dir, 'out.txt')).equals(expected)).toBe(true);
    const replaced = entryOf(dir, 'numbers');
    expect(crc32(readFileSync(join(replaced.dir, 'output.bin')))).toBe(replaced.manifest.crc32);

    // Later runs replay the new entry.
    const later = await run(dir, ['--resume', '-p', 'tag=k']);
    expect(later.code, later.stderr).toBe(0);
    expect(later.status.numbers).toBe('CACHED');
    expect(later.stderr).not.toContain('corrupt');
    expect(later.stdout.toString()).toBe(expected.toString().replaceAll('m', 'k'));
  }, 60_000);

  it('a truncated entry is corrupt too', async () => {
    const dir = tempDir('integrity-short');
    writeFile(dir, 'wf.yaml', workflow);
    expect((await run(dir, [])).code).toBe(0);
    const entry = entryOf(dir, 'numbers');
    const data = readFileSync(join(entry.dir, 'output.bin'));
    writeFileSync(join(entry.dir, 'output.bin'), data.subarray(0, data.length - 1000));
    const healed = await run(dir, ['--resume', '-p', 'tag=m']);
    expect(healed.code, healed.stderr).toBe(0);
    expect(healed.stderr).toContain(
      `cache entry ${entry.dir} is corrupt (${data.length - 1000} bytes, its manifest says ${data.length})`,
    );
    expect(healed.stdout.toString().split('\n').length).toBe(300_001);
  }, 60_000);
});
