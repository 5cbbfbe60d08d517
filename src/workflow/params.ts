import { readFile } from 'node:fs/promises';
import { didYouMean, WorkflowError } from './errors.js';
import { type LoadedWorkflow, parseYaml, readProblem, type YamlPath } from './load.js';
import { projectDirOf } from './project-dir.js';
import { inLiteralHeredoc, paramVariable, shellContexts, variableReference } from './shell-template.js';

export type Params = Record<string, unknown>;

export interface ParamOverrides {
  /** `name=value` pairs from `-p`; see `cliValue` for how a value is read. */
  set?: readonly string[];
  /** A YAML file of name: value. */
  file?: string;
  /** From the config's profiles, applied first: the params file and `-p` override them. */
  profiles?: { name: string; value: unknown; error: (message: string) => WorkflowError }[];
}

/**
 * The workflow's params: defaults, then the params file, then `-p` overrides. A default may
 * refer to other params (`out: "${params.base}/out"`), and sees their overridden values;
 * values given by the user are data and are never expanded.
 */
export async function resolveParams(workflow: LoadedWorkflow, overrides: ParamOverrides): Promise<Params> {
  const params: Params = { ...(workflow.spec.params ?? {}) };
  const known = Object.keys(params);
  const given = new Set<string>();
  const assign = (name: string, value: unknown, unknown: (message: string) => WorkflowError) => {
    if (!Object.hasOwn(params, name)) {
      throw unknown(
        `unknown param "${name}"${didYouMean(name, known)}; ${workflow.file} declares ${known.length ? known.map((k) => `"${k}"`).join(', ') : 'no params'}`,
      );
    }
    params[name] = value;
    given.add(name);
  };
  for (const { name, value, error } of overrides.profiles ?? []) assign(name, value, error);
  if (overrides.file) {
    const text = await readFile(overrides.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new WorkflowError(`cannot read params file ${overrides.file}: ${readProblem(err)}`);
    });
    const { data, source } = parseYaml(text, overrides.file);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw source.error([], 'expected a map of param names to values');
    }
    for (const [name, value] of Object.entries(data))
      assign(name, value, (message) => source.error([name], message, 'key'));
  }
  for (const pair of overrides.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new WorkflowError(`-p ${pair}: expected name=value`);
    assign(
      pair.slice(0, eq),
      cliValue(pair.slice(eq + 1)),
      (message) => new WorkflowError(`-p ${pair}: ${message}`),
    );
  }
  const projectDir = projectDirOf(workflow.path);
  for (const name of known) {
    if (!given.has(name)) params[name] = replaceProjectDir(params[name], projectDir);
  }
  expandDefaults(params, given, workflow);
  return params;
}

/** `${projectDir}` in a default (or in a list or map of them) replaced by the project's root. */
function replaceProjectDir(value: unknown, projectDir: string): unknown {
  if (typeof value === 'string') return value.replaceAll('${projectDir}', projectDir);
  if (Array.isArray(value)) return value.map((v) => replaceProjectDir(v, projectDir));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceProjectDir(v, projectDir)]));
  return value;
}

/**
 * A `-p` value is the string as typed, except exactly a number (`12`, `-0.5`, `.5`, `1e-6`),
 * `true`, `false` or `null`. Lists and maps come from `--params-file`.
 */
export function cliValue(text: string): unknown {
  if (/^-?((0|[1-9]\d*)(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  return text === 'true' ? true : text === 'false' ? false : text === 'null' ? null : text;
}

function expandDefaults(params: Params, given: ReadonlySet<string>, workflow: LoadedWorkflow): void {
  const done = new Set(given);
  const expanding: string[] = [];
  const expanded = (name: string): unknown => {
    if (!done.has(name)) {
      const at = expanding.indexOf(name);
      if (at !== -1) {
        throw workflow.error(
          ['params', name],
          `params refer to each other in a cycle: ${[...expanding.slice(at), name].join(' -> ')}`,
        );
      }
      expanding.push(name);
      params[name] = replaceReferences(params[name], ['params', name], (ref, path, text, scope) => {
        if (scope === 'each')
          throw workflow.error(
            path,
            `"${text}": \${each.${ref}} is only known in a fanned-out stage's with:`,
          );
        if (!Object.hasOwn(params, ref)) throw unknownParam(workflow, path, ref, text, params);
        return expanded(ref);
      });
      expanding.pop();
      done.add(name);
    }
    return params[name];
  };
  for (const name of Object.keys(params)) expanded(name);
}

/** `${params.name}` or, in a fanned-out stage's `with:`, `${each.field}` of its item. */
const reference = /\$\{(params|each)\.([\w-]+)\}/g;
const wholeReference = /^\$\{(params|each)\.([\w-]+)\}$/;

type Scope = 'params' | 'each';
type Lookup = (name: string, path: YamlPath, text: string, scope: Scope) => unknown;

/** `${params.name}` replaced in every string of `value`; a string that is one reference keeps its type. */
function replaceReferences(value: unknown, path: YamlPath, lookup: Lookup): unknown {
  if (typeof value === 'string') {
    const whole = wholeReference.exec(value);
    if (whole) return lookup(whole[2]!, path, value, whole[1] as Scope);
    return value.replace(reference, (_, scope: Scope, name: string) =>
      paramText(lookup(name, path, value, scope)),
    );
  }
  if (Array.isArray(value)) return value.map((v, i) => replaceReferences(v, [...path, i], lookup));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, replaceReferences(v, [...path, k], lookup)]),
    );
  }
  return value;
}

/** The text of a param inside a longer string: lists and maps as JSON. */
function paramText(value: unknown): string {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function unknownParam(workflow: LoadedWorkflow, path: YamlPath, name: string, text: string, params: Params) {
  return workflow.error(
    path,
    `${path[0] === 'params' ? `param "${path[1]}": ` : ''}unknown param "${name}" in "${text}"; known params: ${Object.keys(params).join(', ') || 'none'}`,
  );
}

/**
 * Replaces `${params.name}` in every string of `value`. A string that is exactly one
 * reference takes the param's value with its type; references inside longer strings are
 * replaced by the value's text.
 */
export function substitute(
  value: unknown,
  params: Params,
  workflow: LoadedWorkflow,
  path: YamlPath,
): unknown {
  return replaceReferences(value, path, paramLookup(params, workflow));
}

/** The fields of the item a fanned-out stage runs for (`${each.bam}`). */
export type ItemFields = Record<string, unknown>;

/** A param's (or item field's) value; an unknown name is an error at `path`. */
function paramLookup(params: Params, workflow: LoadedWorkflow, each?: ItemFields): Lookup {
  return (name, path, text, scope) => {
    if (scope === 'each') {
      if (!each)
        throw workflow.error(path, `"${text}": \${each.${name}} needs the stage to be fanned out (each:)`);
      if (!Object.hasOwn(each, name)) {
        const known = Object.keys(each);
        throw workflow.error(
          path,
          `"${text}": the items have no field "${name}"${didYouMean(name, known)}; their fields are ${known.join(', ')}`,
        );
      }
      return each[name];
    }
    if (!Object.hasOwn(params, name)) throw unknownParam(workflow, path, name, text, params);
    return params[name];
  };
}

/** Where a stage takes a shell command: the params holding one, and its environment param. */
export interface ShellParams {
  commands: readonly string[];
  env: string;
}

/**
 * A stage's `with:` after substitution. In a shell command (a string in one of
 * `shell.commands`), each embedded `${params.x}` becomes a reference to the variable
 * GENOFLOW_PARAM_x, quoted for where it stands, and the value goes into the `shell.env` map:
 * the shell expands it as data and never reads it as code. A command that is wholly one
 * reference is the author's choice to run the user's command and is kept as it is.
 */
export function stageParams(
  spec: Record<string, unknown>,
  params: Params,
  workflow: LoadedWorkflow,
  path: YamlPath,
  shell?: ShellParams,
  each?: ItemFields,
): Record<string, unknown> {
  const lookup = paramLookup(params, workflow, each);
  const result = replaceReferences(spec, path, lookup) as Record<string, unknown>;
  const env: Record<string, string> = {};
  const owners = new Map<string, string>();
  for (const key of shell?.commands ?? []) {
    const template = spec[key];
    if (Array.isArray(template)) {
      // argv: each item one argument, as text even where it is wholly a number param
      result[key] = template.map((item, i) => asText(item, [...path, key, i], lookup));
      continue;
    }
    if (typeof template !== 'string' || wholeReference.test(template)) continue;
    const matches = [...template.matchAll(reference)];
    const contexts = shellContexts(
      template,
      matches.map((m) => m.index),
    );
    let command = '';
    let last = 0;
    matches.forEach((match, i) => {
      const scope = match[1] as Scope;
      const name = match[2]!;
      const value = lookup(name, [...path, key], template, scope);
      const context = contexts[i]!;
      if (inLiteralHeredoc(context)) {
        throw workflow.error(
          [...path, key],
          `${match[0]} in a quoted here-document would not be expanded; read $${paramVariable(scope === 'each' ? `each_${name}` : name)} in the command that reads it, or unquote the delimiter`,
        );
      }
      const variable = paramVariable(scope === 'each' ? `each_${name}` : name);
      const owner = `${scope}.${name}`;
      if (owners.has(variable) && owners.get(variable) !== owner) {
        throw workflow.error(
          [...path, key],
          `${owners.get(variable)} and ${owner} both reach the command as $${variable}; rename one`,
        );
      }
      owners.set(variable, owner);
      env[variable] = paramText(value);
      command += template.slice(last, match.index) + variableReference(variable, context);
      last = match.index + match[0].length;
    });
    result[key] = command + template.slice(last);
  }
  const given = shell ? spec[shell.env] : undefined;
  // environment values are text (a number param too); a malformed env is the schema's to report
  if (shell && (given === undefined || isPlainMap(given))) {
    const own = Object.entries(given ?? {}).map(([name, item]) => [
      name,
      asText(item, [...path, shell.env, name], lookup),
    ]);
    if (own.length || Object.keys(env).length) result[shell.env] = { ...Object.fromEntries(own), ...env };
  }
  return result;
}

const isPlainMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string with every reference replaced by its value's text, even one that is wholly a reference. */
function asText(item: unknown, path: YamlPath, lookup: Lookup): unknown {
  return typeof item === 'string'
    ? item.replace(reference, (_, scope: Scope, name: string) => paramText(lookup(name, path, item, scope)))
    : item;
}
