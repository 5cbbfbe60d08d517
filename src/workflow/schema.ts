import { z } from 'zod';

const stageName = z.string().regex(/^[A-Za-z_][\w-]*$/, 'a stage name of letters, digits, _ and -');

const retryFactor = z.union([
  z.number().min(1),
  z.string().regex(/^\s*\d+(\.\d+)?\s*x\s*$/, 'a factor like "2x"'),
]);

/** One stage of a workflow file. */
export const stageSpecSchema = z.strictObject({
  uses: z.string().regex(/^[\w-]+\.[\w-]+$/, 'plugin.stage, e.g. vcf.read'),
  from: z.union([stageName, z.record(z.string(), stageName)]).optional(),
  with: z.record(z.string(), z.unknown()).optional(),
  store: z.boolean().optional(),
  retries: z.number().int().min(0).max(100).optional(),
  'on-error': z.enum(['terminate', 'finish']).optional(),
  /** Runs the stage once per item (checked where the items are resolved, in items.ts). */
  each: z.unknown().optional(),
  /** Receives every item's records of a fanned-out upstream, in item order, tagged `item` (or `tag`). */
  gather: z
    .union([z.boolean(), z.strictObject({ tag: z.string().regex(/^[\w-]+$/, 'a field name') })])
    .optional(),
  cpus: z.number().int().min(1).max(4096).optional(),
  memory: z.union([z.string(), z.number().positive()]).optional(),
  time: z.union([z.string(), z.number().positive()]).optional(),
  'max-parallel': z.number().int().min(1).optional(),
  /** Each retry asks for this many times the memory or time of the attempt before (a SLURM job). */
  'on-retry': z.strictObject({ memory: retryFactor.optional(), time: retryFactor.optional() }).optional(),
});

/** The top level of a workflow file. */
export const workflowFileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  plugins: z.array(z.string()).optional(),
  stages: z.record(stageName, stageSpecSchema).refine((s) => Object.keys(s).length > 0, 'at least one stage'),
});

export type StageSpec = z.infer<typeof stageSpecSchema>;
export type WorkflowFile = z.infer<typeof workflowFileSchema>;

/** Keys allowed at each level, for did-you-mean suggestions. */
export const workflowKeys = Object.keys(workflowFileSchema.shape);
export const stageKeys = Object.keys(stageSpecSchema.shape);
