import { PluginRegistry } from '../../engine/plugin-loader.js';
import type { InputPort } from '../../plugin-api/types.js';

const port = (p: InputPort) => (typeof p === 'string' ? p : p.join('|'));

/** `text.read  () -> line`, `table.write  (in: any) -> ()`. */
export async function pluginsCommand(): Promise<void> {
  const registry = await PluginRegistry.create();
  const lines: string[] = [];
  for (const { plugin, source } of await registry.all()) {
    lines.push(
      `${plugin.name} ${plugin.version}  (${source})${plugin.description ? `  ${plugin.description}` : ''}`,
    );
    for (const [name, stage] of Object.entries(plugin.stages)) {
      const inputs = Object.entries(stage.inputs).map(([n, t]) =>
        n === 'in' ? port(t) : `${n}: ${port(t)}`,
      );
      const signature = `(${inputs.join(', ')}) -> ${stage.output ?? '()'}`;
      lines.push(`  ${`${plugin.name}.${name}`.padEnd(22)} ${signature.padEnd(44)} ${stage.description}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
