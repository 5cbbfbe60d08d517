import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { relative, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import type { z } from 'zod';
import { didYouMean, type SourcePosition, WorkflowError, WorkflowErrors } from './errors.js';
import { parseSimpleYaml } from './fast-yaml.js';
import { stageKeys, type WorkflowFile, workflowFileSchema, workflowKeys } from './schema.js';

export type YamlPath = readonly (string | number)[];

/** A parsed YAML file that can say where any value in it was written. */
export interface YamlSource {
  /** The file name as given by the user, for messages. */
  file: string;
  /** Position of the value at `path` (or of its key), falling back to the nearest parent. */
  locate(path: YamlPath, part?: 'key' | 'value'): SourcePosition;
  /** A WorkflowError at `path`. */
  error(path: YamlPath, message: string, part?: 'key' | 'value'): WorkflowError;
}

export interface LoadedWorkflow extends YamlSource {
  /** Absolute path of the workflow file. */
  path: string;
  spec: WorkflowFile;
}

/** The yaml package, loaded when first needed: plain files never need it (see fast-yaml.ts). */
let yamlPackage: typeof Yaml | undefined;
const yaml = () => (yamlPackage ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

/**
 * Parses YAML text, turning syntax errors into `file:line:col` errors. Plain YAML is read by
 * the fast reader; the full parser runs for the rest, and to place an error in plain YAML.
 */
export function parseYaml(text: string, file: string): { data: unknown; source: YamlSource } {
  const data = parseSimpleYaml(text);
  if (data === undefined) return parseFully(text, file);
  let full: YamlSource | undefined;
  const located = () => (full ??= parseFully(text, file).source);
  return {
    data,
    source: {
      file,
      locate: (path, part) => located().locate(path, part),
      error: (path, message, part) => located().error(path, message, part),
    },
  };
}

function parseFully(text: string, file: string): { data: unknown; source: YamlSource } {
  const { isMap, isNode, LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePosition => ({ file, ...lineCounter.linePos(offset) });
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    // the block parser recurses once per indentation level
    if (!(err instanceof RangeError)) throw err;
    const line = deeplyIndentedLine(text, maxDepth);
    throw new WorkflowError(`invalid YAML: ${yamlProblem(err.message)}`, { file, line, col: 1 });
  }
  if (doc.errors.length) {
    throw new WorkflowErrors(
      doc.errors.map((e) => new WorkflowError(`invalid YAML: ${yamlProblem(e.message)}`, at(e.pos[0]))),
    );
  }
  const tooDeep = nodeDeeperThan(doc.contents, maxDepth);
  if (tooDeep) throw new WorkflowError(`invalid YAML: nested more than ${maxDepth} levels deep`, at(tooDeep));
  const locate = (path: YamlPath, part: 'key' | 'value' = 'value'): SourcePosition => {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      if (part === 'key' && depth === path.length && depth > 0) {
        const parent = doc.getIn(prefix.slice(0, -1), true);
        if (isMap(parent)) {
          const pair = parent.items.find(
            (p) => isNode(p.key) && (p.key as Yaml.Node & { value?: unknown }).value === prefix.at(-1),
          );
          if (pair && isNode(pair.key) && pair.key.range) return at(pair.key.range[0]);
        }
        continue;
      }
      const node = depth === 0 ? doc.contents : doc.getIn(prefix, true);
      if (isNode(node) && node.range) return at(node.range[0]);
    }
    return { file, line: 1, col: 1 };
  };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: maxAliases });
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    // yaml refuses aliases that expand too far (a "billion laughs"), or an undefined alias
    const alias = firstAlias(doc.contents);
    throw new WorkflowError(
      /Excessive alias/.test(err.message)
        ? `invalid YAML: aliases expand to more than ${maxAliases} copies (an alias bomb?)`
        : `invalid YAML: ${err.message}`,
      alias === undefined ? undefined : at(alias),
    );
  }
  return {
    data,
    source: { file, locate, error: (path, message, part) => new WorkflowError(message, locate(path, part)) },
  };
}

/** Deeper than any workflow needs, well short of what the parser and checks can recurse. */
const maxDepth = 64;
const maxAliases = 100;

function yamlProblem(message: string): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return /Maximum call stack/.test(first) ? `nested too deep (more than ${maxDepth} levels allowed)` : first;
}

/** The first line (1-based) indented more than `limit` levels deep, or 1. */
function deeplyIndentedLine(text: string, limit: number): number {
  const indents: number[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    while (indents.length && indents.at(-1)! >= indent) indents.pop();
    indents.push(indent);
    if (indents.length > limit) return i + 1;
  }
  return 1;
}

/** The offset of the first node nested deeper than `limit`, walked without recursion. */
function nodeDeeperThan(root: unknown, limit: number): number | undefined {
  const { isCollection, isPair } = yaml();
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (!isCollection(node)) continue;
    if (depth >= limit) return node.range?.[0] ?? 0;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) stack.push([item.key, depth + 1], [item.value, depth + 1]);
      else stack.push([item, depth + 1]);
    }
  }
  return undefined;
}

/** The offset of the first alias (`*name`) in the document. */
function firstAlias(root: unknown): number | undefined {
  let found: number | undefined;
  const { visit } = yaml();
  visit(root as Yaml.Node, {
    Alias(_, node) {
      found = node.range?.[0];
      return visit.BREAK;
    },
  });
  return found;
}

/** Turns zod issues into positioned errors, with did-you-mean for unknown keys. */
export function schemaErrors(
  issues: readonly z.core.$ZodIssue[],
  source: YamlSource,
  base: YamlPath,
  knownKeys: (path: YamlPath) => readonly string[],
): WorkflowError[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...(issue.path as (string | number)[])];
    const inParams = path[0] === 'stages' && path[2] === 'with';
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) =>
        source.error(
          [...path, key],
          `${describe(path)}unknown ${inParams && path.length === 3 ? 'parameter' : 'key'} "${key}"${didYouMean(key, knownKeys(issue.path as YamlPath))}`,
          'key',
        ),
      );
    }
    return [source.error(path, `${describe(path)}${issue.message}`)];
  });
}

function describe(path: YamlPath): string {
  if (path[0] === 'stages' && path.length >= 2) {
    const inParams = path[2] === 'with';
    const rest = path.slice(inParams ? 3 : 2).join('.');
    return `stage "${path[1]}": ${rest ? `${inParams ? 'parameter ' : ''}"${rest}": ` : ''}`;
  }
  return path.length ? `${path.join('.')}: ` : '';
}

/** Why a file could not be read, in words. */
export function readProblem(err: NodeJS.ErrnoException): string {
  const known: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'it is a directory',
    EACCES: 'permission denied',
  };
  return known[err.code ?? ''] ?? err.message;
}

/** Reads and checks the shape of a workflow file (not yet its plugins or DAG). */
export async function loadWorkflow(file: string): Promise<LoadedWorkflow> {
  const path = resolve(file);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new WorkflowError(`cannot read workflow ${file}: ${readProblem(err)}`);
  });
  const display = relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path);
  const { data, source } = parseYaml(text, display);
  const parsed = workflowFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    throw new WorkflowErrors(
      schemaErrors(parsed.error.issues, source, [], (p) =>
        p[0] === 'stages' && p.length === 2 ? stageKeys : workflowKeys,
      ),
    );
  }
  return { ...source, path, spec: parsed.data };
}
