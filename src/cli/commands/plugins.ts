import { dirname } from 'node:path';
import { PluginRegistry } from '../../engine/plugin-loader.js';
import type { InputPort } from '../../plugin-api/types.js';
import { loadWorkflow } from '../../workflow/load.js';

const port = (p: InputPort) => (typeof p === 'string' ? p : p.join('|'));

/**
 * `text.read  () -> line`, `table.write  (in: any) -> ()`, each plugin with where it came
 * from; with a workflow, its `plugins:` and its project's packages too.
 */
export async function pluginsCommand(args: { workflow?: string }): Promise<void> {
  const workflow = args.workflow ? await loadWorkflow(args.workflow) : undefined;
  const registry = await PluginRegistry.create(
    workflow && {
      extra: workflow.spec.plugins,
      baseDir: dirname(workflow.path),
      errorAt: (index, message) => workflow.error(['plugins', index], message),
    },
  );
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
