import { toDot, toMermaid } from '../../workflow/dag.js';
import { loadPlan, type WorkflowArgs } from '../load.js';

export async function dagCommand(args: WorkflowArgs & { format: 'mermaid' | 'dot' }): Promise<void> {
  const { plan } = await loadPlan(args);
  process.stdout.write(args.format === 'dot' ? toDot(plan) : toMermaid(plan));
}
