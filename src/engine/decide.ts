import { relative, resolve } from 'node:path';
import type { Logger, ReportSection } from '../plugin-api/types.js';
import type { Plan, PlannedStage } from '../workflow/plan.js';
import { type KeyParts, type KeyRecord, type StageCache, stableJson, staticKeyOf } from './cache.js';
import type { FingerprintStore } from './fingerprint.js';
import { STDIN_PATH, STDOUT_PATH } from './stdin.js';

/** The largest entry `--dry-run` reads whole to check it; bigger ones get their size checked. */
const DRY_RUN_READS = 256 << 20;

/** What `--resume` will do with a stage, and why. */
export interface Decision {
  stage: PlannedStage;
  action: 'cached' | 'run';
  reason: string;
  /** Static key parts when all upstream keys are known. */
  parts?: KeyParts;
  staticKey?: string;
  /** Full key of a stage whose inputs, params and files are unchanged. */
  key?: string;
  /** A committed output entry that can be replayed. */
  replayable: boolean;
  /** The report sections of the run that produced the cached result. */
  report?: ReportSection[];
}

export interface DecideOptions {
  plan: Plan;
  cache: StageCache;
  fingerprints: FingerprintStore;
  baseDir: string;
  resume: boolean;
  /** The content hash of the stdin the run would read; asked only when a stage read stdin before. */
  stdinHash: () => Promise<string | undefined>;
  /** A dry run reports a corrupt entry and leaves it; a run warns and removes it. */
  dryRun?: boolean;
  log: Logger;
}

export function keyParts(stage: PlannedStage, inputs: Record<string, string>): KeyParts {
  return {
    plugin: stage.pluginName,
    version: stage.pluginVersion,
    uses: stage.uses,
    stage: stage.name,
    params: stage.rawParams,
    inputs,
  };
}

/** Paths in keys are relative to the base dir, so a moved project keeps its cache. */
export const keyPath = (baseDir: string, path: string) =>
  path === STDIN_PATH || path === STDOUT_PATH ? path : relative(baseDir, path) || '.';

/**
 * Decides, for every stage, whether its committed result can be reused: its static key
 * (plugin, version, params, upstream keys) must match the index, and every file it read or
 * wrote must still have the same content. A matched stage that some re-running consumer
 * needs must have a stored output, or it runs again to feed it.
 */
export async function decide(options: DecideOptions): Promise<Map<string, Decision>> {
  const { plan } = options;
  const decisions = new Map<string, Decision>();
  await options.cache.list(plan.workflow.spec.name);
  try {
    // Stages whose inputs are all decided are looked up together: their reads overlap.
    for (const level of levels(plan)) {
      const decided = await Promise.all(level.map((stage) => decideOne(stage, decisions, options)));
      for (const decision of decided) decisions.set(decision.stage.name, decision);
    }
  } finally {
    options.cache.forget();
  }
  // A matched stage whose consumer re-runs is replayed, once its entry is verified whole,
  // or streams again when it is not stored or its entry is corrupt.
  for (const stage of [...plan.stages].reverse()) {
    const decision = decisions.get(stage.name)!;
    if (decision.action !== 'cached') continue;
    const needy = stage.consumers.find((c) => decisions.get(c.stage)!.action === 'run');
    if (!needy) continue;
    if (!decision.replayable) {
      decision.action = 'run';
      decision.reason = `unchanged, but not stored and ${needy.stage} needs its output`;
      continue;
    }
    const problem = await options.cache.verify(decision.key!, options.dryRun ? DRY_RUN_READS : undefined);
    if (!problem) continue;
    decision.action = 'run';
    decision.replayable = false;
    decision.reason = `entry corrupt (${problem})`;
    if (options.dryRun) continue;
    options.log.warn(
      `[${stage.name}] cache entry ${options.cache.entryDir(decision.key!)} is corrupt (${problem}): removed it; the stage runs again`,
    );
    await options.cache.remove(decision.key!);
  }
  // In the order of the plan, as the CLI prints them.
  return new Map(plan.stages.map((s) => [s.name, decisions.get(s.name)!]));
}

/** Stages grouped by depth: each group depends only on earlier ones. */
function levels(plan: Plan): PlannedStage[][] {
  const depth = new Map<string, number>();
  const groups: PlannedStage[][] = [];
  for (const stage of plan.stages) {
    const d = Math.max(0, ...Object.values(stage.inputs).map((up) => depth.get(up)! + 1));
    depth.set(stage.name, d);
    (groups[d] ??= []).push(stage);
  }
  return groups;
}

async function decideOne(
  stage: PlannedStage,
  decisions: Map<string, Decision>,
  options: DecideOptions,
): Promise<Decision> {
  if (!options.resume) return { stage, action: 'run', reason: 'no --resume', replayable: false };
  const upstreamKeys: Record<string, string> = {};
  for (const [port, upstream] of Object.entries(stage.inputs)) {
    const up = decisions.get(upstream)!;
    if (!up.key)
      return { stage, action: 'run', reason: `upstream stage ${upstream} changed`, replayable: false };
    upstreamKeys[port] = up.key;
  }
  const parts = keyParts(stage, upstreamKeys);
  const staticKey = staticKeyOf(parts);
  const record = await options.cache.lookup(staticKey);
  if (!record) {
    const last = await options.cache.last(options.plan.workflow.spec.name, stage.name);
    const why = last ? describeChange(last.parts, parts) : 'never ran';
    return { stage, action: 'run', reason: why, parts, staticKey, replayable: false };
  }
  const reason = await changedFile(stage, record, options);
  if (reason) return { stage, action: 'run', reason, parts, staticKey, replayable: false };
  const replayable = record.stored && (await options.cache.manifest(record.key)) !== undefined;
  return {
    stage,
    action: 'cached',
    reason: 'unchanged',
    parts,
    staticKey,
    key: record.key,
    replayable,
    report: record.report,
  };
}

async function changedFile(
  stage: PlannedStage,
  record: KeyRecord,
  options: DecideOptions,
): Promise<string | undefined> {
  for (const file of record.files) {
    if (file.path === STDIN_PATH) {
      const stdinHash = await options.stdinHash();
      if (stdinHash === undefined)
        return 'reads stdin, and no stdin was given (pipe it again, or use --reuse-stdin)';
      if (stdinHash !== file.hash) return 'input <stdin>: content changed';
      continue;
    }
    const hash = await options.fingerprints.tryFingerprint(resolve(options.baseDir, file.path));
    if (hash === undefined) return `input ${file.path}: missing`;
    if (hash !== file.hash) return `input ${file.path}: content changed`;
  }
  // A sink is cached only while every output it wrote is there to see.
  if (stage.stage.output === null && !record.outputFiles.length) return 'a sink that declared no output file';
  for (const file of record.outputFiles) {
    if (file.path === STDOUT_PATH) return 'writes stdout';
    if (!file.hash) return `writes ${file.path}, which is not a file`;
    const hash = await options.fingerprints.tryFingerprint(resolve(options.baseDir, file.path));
    if (hash === undefined) return `output ${file.path}: missing`;
    if (hash !== file.hash) return `output ${file.path}: changed since it was written`;
  }
  return undefined;
}

/** `param k: 5 -> 6`, `plugin kmer 1.0.0 -> 1.1.0`, `upstream stage tokens changed`. */
export function describeChange(before: KeyParts, now: KeyParts): string {
  const changes: string[] = [];
  if (before.plugin !== now.plugin || before.uses !== now.uses)
    changes.push(`uses ${before.uses} -> ${now.uses}`);
  else if (before.version !== now.version)
    changes.push(`plugin ${now.plugin} ${before.version} -> ${now.version}`);
  const was = (before.params ?? {}) as Record<string, unknown>;
  const is = (now.params ?? {}) as Record<string, unknown>;
  for (const name of new Set([...Object.keys(was), ...Object.keys(is)])) {
    if (stableJson(was[name]) !== stableJson(is[name])) {
      changes.push(`param ${name}: ${show(was[name])} -> ${show(is[name])}`);
    }
  }
  for (const port of new Set([...Object.keys(before.inputs), ...Object.keys(now.inputs)])) {
    if (before.inputs[port] !== now.inputs[port]) changes.push(`upstream input ${port} changed`);
  }
  return changes.length ? changes.join('; ') : 'key changed';
}

const show = (value: unknown) => (value === undefined ? '(unset)' : stableJson(value));
