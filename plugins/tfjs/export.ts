import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../src/plugin-api/index.js';
import { useBackend } from './backend.js';
import { onnxFile, readBundle } from './bundle.js';
import { toOnnx } from './onnx-export.js';

/**
 * The plugin's `export` hook (`genoflow export BUNDLE`): (re)writes a bundle's model.onnx,
 * for bundles written before ONNX export. Null when `path` is not a bundle.
 */
export async function exportBundle(path: string, log: Logger): Promise<string[] | null> {
  if (!existsSync(join(path, 'training.json')) || !existsSync(join(path, 'model.json'))) return null;
  log.info(`tfjs backend: ${await useBackend('auto')}`);
  const bundle = await readBundle(path);
  try {
    const file = join(path, onnxFile);
    await writeFile(`${file}.partial`, toOnnx(bundle.models, bundle));
    await rename(`${file}.partial`, file);
    log.info(
      `${file}: ${bundle.training.params.model}${bundle.models.length > 1 ? ` ensemble of ${bundle.models.length}` : ''}, ${bundle.classes.length} classes`,
    );
    return [file];
  } finally {
    for (const model of bundle.models) model.dispose();
  }
}
