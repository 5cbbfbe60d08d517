import { readFile } from 'node:fs/promises';
import { parse as parseYamlScalar } from 'yaml';
import { WorkflowError } from './errors.js';
import { type LoadedWorkflow, parseYaml, type YamlPath } from './load.js';

export type Params = Record<string, unknown>;

export interface ParamOverrides {
  /** `name=value` pairs from `-p`; values read as YAML scalars. */
  set?: readonly string[];
  /** A YAML file of name: value. */
  file?: string;
}

/** The workflow's params: defaults, then the params file, then `-p` overrides. */
export async function resolveParams(workflow: LoadedWorkflow, overrides: ParamOverrides): Promise<Params> {
  const params: Params = { ...(workflow.spec.params ?? {}) };
  const known = Object.keys(params);
  const assign = (name: string, value: unknown, origin: string) => {
    if (!(name in params)) {
      throw new WorkflowError(
        `${origin}: unknown param "${name}"; ${workflow.file} declares ${known.length ? known.map((k) => `"${k}"`).join(', ') : 'no params'}`,
      );
    }
    params[name] = value;
  };
  if (overrides.file) {
    const text = await readFile(overrides.file, 'utf8').catch((err: Error) => {
      throw new WorkflowError(`cannot read params file ${overrides.file}: ${err.message}`);
    });
    const { data } = parseYaml(text, overrides.file);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new WorkflowError(`${overrides.file}: expected a map of param names to values`);
    }
    for (const [name, value] of Object.entries(data)) assign(name, value, overrides.file);
  }
  for (const pair of overrides.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new WorkflowError(`-p ${pair}: expected name=value`);
    const text = pair.slice(eq + 1);
    const value = parseYamlScalar(text) ?? null;
    // A value is read as a YAML scalar (6, true, 0.5); `-p path=-` must stay the string "-".
    assign(pair.slice(0, eq), value !== null && typeof value === 'object' ? text : value, `-p ${pair}`);
  }
  return params;
}

const reference = /\$\{params\.([\w-]+)\}/g;
const wholeReference = /^\$\{params\.([\w-]+)\}$/;

/** How an embedded reference is turned into text: as is, or quoted for `sh -c`. */
export type Quoting = 'plain' | 'shell';

/**
 * Replaces `${params.name}` in every string of `value`. A string that is exactly one
 * reference takes the param's value with its type; references inside longer strings are
 * replaced by the value's text (shell-quoted where `quoting(path)` says so).
 */
export function substitute(
  value: unknown,
  params: Params,
  workflow: LoadedWorkflow,
  path: YamlPath,
  quoting: (path: YamlPath) => Quoting = () => 'plain',
): unknown {
  if (typeof value === 'string') {
    const lookup = (name: string) => {
      if (!(name in params)) {
        throw workflow.error(
          path,
          `unknown param "${name}" in "${value}"; known params: ${Object.keys(params).join(', ') || 'none'}`,
        );
      }
      return params[name];
    };
    const whole = wholeReference.exec(value);
    if (whole) return lookup(whole[1]!);
    const quote = quoting(path) === 'shell';
    return value.replace(reference, (_, name: string) => {
      const text = String(lookup(name));
      return quote ? shellQuote(text) : text;
    });
  }
  if (Array.isArray(value))
    return value.map((v, i) => substitute(v, params, workflow, [...path, i], quoting));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, params, workflow, [...path, k], quoting)]),
    );
  }
  return value;
}

export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
