import { createWriteStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FingerprintStore } from '../../src/engine/fingerprint.js';
import { benchOut, fixed, intArg, printTable } from '../lib.js';

/*
 * Input fingerprinting: xxhash128 of a large file, first time (hashing) and remembered
 * (path, size, mtime, inode unchanged), as `--resume` sees it.
 *   node dist/bench/engine/fingerprint.js [--mb 2048]
 */
const mb = intArg('mb', 2048);
const dir = benchOut('engine');
const file = join(dir, `random-${mb}mb.bin`);
if (!existsSync(file) || statSync(file).size !== mb << 20) {
  const out = createWriteStream(file);
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < mb; i++) {
    for (let j = 0; j < block.length; j += 4) block.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}
const store = await FingerprintStore.open(join(dir, 'fingerprints.json'));
let t = performance.now();
const first = await store.fingerprint(file);
const firstSeconds = (performance.now() - t) / 1000;
await store.save();
const reopened = await FingerprintStore.open(join(dir, 'fingerprints.json'));
t = performance.now();
const again = await reopened.fingerprint(file);
const againSeconds = (performance.now() - t) / 1000;
if (first !== again) throw new Error('fingerprint changed');
printTable(
  `Fingerprinting a ${mb} MB file (xxhash128)`,
  ['pass', 'seconds', 'MB/s'],
  [
    ['first time (hashing)', fixed(firstSeconds), fixed(mb / firstSeconds, 0)],
    ['remembered (stat only)', fixed(againSeconds, 4), fixed(mb / againSeconds, 0)],
  ],
);
