import { formatParamDocs, workflowParamDocs } from '../../workflow/param-docs.js';

/** A workflow's description and params, with defaults and the comments beside them. */
export function workflowParamsText(file: string): string {
  const { name, description, params } = workflowParamDocs(file);
  const lines = [`${name ?? file}${description ? `: ${description.replace(/\s+/g, ' ')}` : ''}`, ''];
  if (params.length) {
    lines.push('params (override with -p name=value or --params-file FILE):');
    lines.push(...formatParamDocs(params));
  } else lines.push('no params');
  return lines.join('\n');
}

/** `genoflow params WF`. */
export function paramsCommand(args: { workflow: string }): void {
  try {
    process.stdout.write(`${workflowParamsText(args.workflow)}\n`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw Object.assign(
      new Error(
        `cannot read workflow ${args.workflow}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      ),
      { exitCode: 2 },
    );
  }
}
