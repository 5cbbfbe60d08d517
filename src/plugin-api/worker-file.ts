import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The compiled JavaScript file of a worker module that sits beside `fromUrl`
 * (`workerFile(import.meta.url, './worker.js')`). Worker threads cannot run TypeScript,
 * so when the caller itself runs from source (tsx, vitest) the file is taken from `dist/`.
 */
export function workerFile(fromUrl: string, relative: string): string {
  const beside = fileURLToPath(new URL(relative, fromUrl));
  if (!fromUrl.endsWith('.ts')) return beside;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const compiled = beside.replace(root, `${root}dist/`);
  if (!existsSync(compiled)) throw new Error(`worker ${compiled} is not built: run \`make build\` first`);
  return compiled;
}
