import { checkInputFiles } from '../../workflow/input-files.js';
import { loadPlan, type WorkflowArgs } from '../load.js';

export async function validateCommand(args: WorkflowArgs): Promise<void> {
  const { plan } = await loadPlan(args);
  checkInputFiles(plan);
  process.stderr.write(`${plan.workflow.file}: ok (${plan.stages.length} stages)\n`);
}
