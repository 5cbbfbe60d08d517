import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A training checkpoint: a JSON state plus float arrays stored in one binary file named by
 * epoch. The JSON, which names its binary, is renamed into place last, so a training
 * killed while writing leaves the previous checkpoint whole.
 */
export interface Checkpoint<S> {
  state: S;
  arrays: Float32Array[];
}

const stateFile = 'checkpoint.json';

export async function writeCheckpoint<S>(
  dir: string,
  epoch: number,
  checkpoint: Checkpoint<S>,
): Promise<void> {
  const binary = `arrays-${epoch}.bin`;
  const bytes = Buffer.concat(
    checkpoint.arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)),
  );
  await writeFile(join(dir, `${binary}.partial`), bytes, { flush: true });
  await rename(join(dir, `${binary}.partial`), join(dir, binary));
  const json = JSON.stringify({
    binary,
    lengths: checkpoint.arrays.map((a) => a.length),
    state: checkpoint.state,
  });
  await writeFile(join(dir, `${stateFile}.partial`), json, { flush: true });
  await rename(join(dir, `${stateFile}.partial`), join(dir, stateFile));
  for (const name of await readdir(dir))
    if (name.startsWith('arrays-') && name !== binary) await rm(join(dir, name), { force: true });
}

export async function readCheckpoint<S>(dir: string): Promise<Checkpoint<S> | null> {
  let text: string;
  try {
    text = await readFile(join(dir, stateFile), 'utf8');
  } catch {
    return null;
  }
  const { binary, lengths, state } = JSON.parse(text) as { binary: string; lengths: number[]; state: S };
  const bytes = await readFile(join(dir, binary));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  const arrays = lengths.map((n) => all.slice(offset, (offset += n)));
  return { state, arrays };
}
