import { resolve } from 'node:path';
import { createLogger } from '../../engine/logger.js';
import { PluginRegistry } from '../../engine/plugin-loader.js';

/** Asks each plugin with an `export` hook to export PATH; prints the files written. */
export async function exportCommand(args: { path: string; quiet?: boolean }): Promise<void> {
  const path = resolve(args.path);
  const log = createLogger(args.quiet ? 'error' : 'info', 'export');
  const registry = await PluginRegistry.create();
  for (const { plugin } of await registry.all()) {
    const written = await plugin.export?.(path, log);
    if (written) {
      process.stdout.write(written.map((file) => `${file}\n`).join(''));
      return;
    }
  }
  throw Object.assign(new Error(`${path}: no plugin can export this (expected a model bundle folder)`), {
    exitCode: 2,
  });
}
