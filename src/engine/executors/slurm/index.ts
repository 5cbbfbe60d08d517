import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { formatMemory } from '../../../workflow/resources.js';
import { shellWord } from '../../provenance.js';
import { asError, deferred, type StageState } from '../../run-state.js';
import { runDir } from '../../workdir.js';
import type { ExecutorFactory, StageOutcome, TaskHandler, TaskOutcome } from '../executor.js';
import { applyOutcome, taskKeyOf, taskSpecOf, writeTaskSpec } from '../task-spec.js';
import { type QueuedJob, sbatch, squeue } from './commands.js';
import { appendJournal, type JournalTask, journaledTasks, journalPath } from './journal.js';
import { defaultSlurmOptions } from './options.js';
import { isActive, type JobEnd, JobWatch } from './watch.js';

/** Elements per job array: SLURM's default MaxArraySize is 1001. */
const ARRAY_LIMIT = 1000;
/** Tasks that become ready within this long of each other go in one array. */
const GATHER_MS = 100;

/** What one job asks SLURM for. */
interface JobResources {
  cpus: number;
  /** Bytes; 0: SLURM's default. */
  memory: number;
  /** Milliseconds; 0: the partition's limit. */
  time: number;
  /** `%N` on the array: the stage's `max-parallel`. */
  throttle: number;
}

interface Request {
  task: JournalTask;
  resources: JobResources;
  resolve: (id: string) => void;
  reject: (err: unknown) => void;
}

/** A job this run waits on: its task files, and the outcome if it is already known. */
interface Job {
  id: string;
  base: string;
  attempt: number;
  outcome?: TaskOutcome;
}

/**
 * Runs each task as a SLURM job: the tasks of a fan-out that are ready together go as one
 * job array, all jobs are watched with one `squeue` per poll interval, and each array is
 * journaled before `sbatch` so that `--resume` after the engine died re-attaches to its jobs
 * instead of submitting them again. Each attempt is a job of its own: a retry may ask for
 * more memory or time (`on-retry:`). Jobs run `genoflow exec-task` on a work dir that every
 * node sees.
 */
export const slurmExecutor: ExecutorFactory = (run) => {
  const options = run.options.slurm ?? defaultSlurmOptions;
  const { log } = run;
  const dir = join(runDir(run.options.workDir, run.id), 'tasks');
  const journal = journalPath(run.options.workDir, run.id);
  const script = join(dir, 'job.sh');
  const watch = new JobWatch(options.pollMs, log);
  // Ctrl-C: every job of the run goes, in one scancel.
  const cancelAll = () => watch.cancelAll();
  run.options.signal.addEventListener('abort', cancelAll, { once: true });
  const ready = mkdir(dir, { recursive: true }).then(() => writeFile(script, jobScript(), { mode: 0o755 }));
  // What dead runs left in the queue: read once, and only when resuming.
  const previous = run.options.resume
    ? journaledTasks(run.options.workDir, run.id).then(async (tasks) => ({
        tasks,
        queue: tasks.size ? await squeue() : new Map<string, QueuedJob>(),
      }))
    : Promise.resolve({ tasks: new Map(), queue: new Map<string, QueuedJob>() });
  let tasks = 0;
  let arrays = 0;
  const waiting = new Map<string, Request[]>();
  let gathering: NodeJS.Timeout | undefined;

  /** Queues a task for the next array of its kind; resolves with its job id (`123_4`). */
  const submit = (task: JournalTask, resources: JobResources) =>
    new Promise<string>((resolve, reject) => {
      const kind = JSON.stringify(resources);
      if (!waiting.has(kind)) waiting.set(kind, []);
      waiting.get(kind)!.push({ task, resources, resolve, reject });
      gathering ??= setTimeout(() => void submitWaiting(), GATHER_MS);
    });

  const submitWaiting = async () => {
    gathering = undefined;
    const kinds = [...waiting.values()];
    waiting.clear();
    for (const requests of kinds)
      for (let i = 0; i < requests.length; i += ARRAY_LIMIT) {
        const chunk = requests.slice(i, i + ARRAY_LIMIT);
        try {
          if (run.options.signal.aborted) throw asError(run.options.signal.reason);
          const ids = await submitArray(
            chunk.map((r) => r.task),
            chunk[0]!.resources,
          );
          for (const [index, r] of chunk.entries()) r.resolve(ids[index]!);
        } catch (err) {
          for (const r of chunk) r.reject(err);
        }
      }
  };

  const submitArray = async (members: JournalTask[], resources: JobResources): Promise<string[]> => {
    const name = `gf-${run.id}-${++arrays}`;
    const list = join(dir, `${name}.list`);
    await writeFile(list, members.map((t) => `${t.base}\n`).join(''));
    await appendJournal(journal, { submitting: name, tasks: members });
    const job = await sbatch([
      `--job-name=${name}`,
      `--array=0-${members.length - 1}${resources.throttle ? `%${resources.throttle}` : ''}`,
      `--cpus-per-task=${resources.cpus}`,
      ...(resources.memory ? [`--mem=${Math.ceil(resources.memory / 2 ** 20)}M`] : []),
      ...(resources.time ? [`--time=${Math.ceil(resources.time / 60_000)}`] : []),
      ...(options.partition ? [`--partition=${options.partition}`] : []),
      ...(options.account ? [`--account=${options.account}`] : []),
      ...(options.qos ? [`--qos=${options.qos}`] : []),
      ...options.clusterOptions,
      `--output=${join(dir, `${name}_%a.slurm.log`)}`,
      `--chdir=${run.options.baseDir}`,
      script,
      list,
    ]);
    await appendJournal(journal, { submitted: name, job });
    log.debug(`submitted job array ${job} (${name}): ${members.length} tasks`);
    return members.map((_, index) => `${job}_${index}`);
  };

  /** The job a dead run submitted for this task, if SLURM still runs it or it finished well. */
  const reattach = async (key: string, label: string): Promise<Job | undefined> => {
    const { tasks: journaled, queue } = await previous;
    const old = journaled.get(key);
    if (!old) return undefined;
    const id =
      old.job ??
      [...queue.keys()].find((id) => queue.get(id)!.name === old.name && id.endsWith(`_${old.index}`));
    const task = { key, base: old.base, attempt: old.attempt };
    if (id && isActive(queue.get(id))) {
      await appendJournal(journal, { attached: id, task });
      log.info(`[${label}] re-attached to job ${id}, submitted by run ${old.run}`);
      return { id, ...task };
    }
    const outcome = await readOutcome(old.base);
    if (outcome && completed(outcome)) {
      log.info(`[${label}] collected job ${id ?? '?'} of run ${old.run}: it finished meanwhile`);
      return { id: id ?? '', ...task, outcome };
    }
    return undefined;
  };

  return {
    name: 'slurm',
    placesTasks: true,
    createHandler(group: StageState[]): TaskHandler {
      const index = ++tasks;
      const label = group.map((s) => s.planned.name).join(', ');
      const retries = Math.max(...group.map((s) => s.planned.retries));
      const signals = group.map((s) => s.controller.signal);
      const aborted = () => [run.options.signal, ...signals].find((s) => s.aborted);
      const submitted = deferred<void>();
      let finished: Promise<TaskOutcome>;

      const runJobs = async (): Promise<TaskOutcome> => {
        await ready;
        const spec = await taskSpecOf(run, group, join(dir, `${index}.1`), 1);
        const key = taskKeyOf(spec);
        let job = await reattach(key, label);
        let attempt = job?.attempt ?? 1;
        for (;;) {
          if (!job) {
            const base = join(dir, `${index}.${attempt}`);
            await writeTaskSpec(base, { ...spec, outcomeFile: `${base}.outcome.json`, attempt });
            const task = { key, base, attempt };
            job = { id: await submit(task, resourcesOf(group, attempt)), base, attempt };
          }
          handler.nativeId = job.id;
          submitted.resolve();
          if (job.outcome) return job.outcome;
          const end = await watchUntilEnd(job.id);
          if (end.cancelled) return outcomeOf(group, 'ABORTED', attempt, asError(aborted()?.reason).message);
          await forwardStdout(`${job.base}.out`, run.options.stdout);
          const outcome = await readOutcome(job.base);
          if (outcome && completed(outcome)) return outcome;
          // A task that reported its own failure is retried on that; one stopped from outside
          // (killed, out of time, preempted: no report, or only aborted stages) on how its job ended.
          const reported = outcome && failureOf(outcome) ? outcome : undefined;
          const why = reported
            ? failureOf(reported)!
            : whyJobEnded(job, end, await exitCodeOf(job.base, end));
          if (end.interrupted && !reported) {
            log.warn(`[${label}] ${why}: submitting it again (no retry spent)`);
            job = undefined;
            continue;
          }
          if (attempt > retries) return reported ?? outcomeOf(group, 'FAILED', attempt, why);
          const next = resourcesOf(group, attempt + 1);
          const more =
            next.memory > resourcesOf(group, attempt).memory
              ? `, asking for ${formatMemory(next.memory)}`
              : '';
          log.warn(
            `[${label}] attempt ${attempt} (job ${job.id}) failed: ${why}; retrying as a new job${more}`,
          );
          attempt++;
          job = undefined;
        }
      };

      /** Watches the job; an abort of the run or of one of the group's stages cancels it. */
      const watchUntilEnd = async (id: string): Promise<JobEnd> => {
        const ended = watch.watch(id);
        const cancel = () => void watch.cancel(id);
        for (const s of signals) s.addEventListener('abort', cancel, { once: true });
        if (aborted()) cancel();
        try {
          return await ended;
        } finally {
          for (const s of signals) s.removeEventListener('abort', cancel);
        }
      };

      const handler: TaskHandler = {
        nativeId: '',
        async submit() {
          finished = runJobs();
          finished.catch(() => {});
          await Promise.race([submitted.promise, finished]);
        },
        async outcome(state) {
          const outcome = await finished;
          state.nativeId = handler.nativeId;
          applyOutcome(state, outcome);
        },
      };
      return handler;
    },
    async close() {
      run.options.signal.removeEventListener('abort', cancelAll);
      clearTimeout(gathering);
      watch.close();
    },
  };
};

/**
 * The wrapper every job runs: the line SLURM_ARRAY_TASK_ID of the list names its task's
 * files; it records the task's exit status in `BASE.exit` (a requeued job starts over).
 */
function jobScript(): string {
  const cli = [process.execPath, process.argv[1]!].map(shellWord).join(' ');
  return `#!/bin/bash
base=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$1")
rm -f "$base.exit" "$base.outcome.json"
${cli} exec-task "$base.task.json" > "$base.out" 2> "$base.err"
code=$?
echo "$code" > "$base.exit.tmp" && mv "$base.exit.tmp" "$base.exit"
exit "$code"
`;
}

/** The most any stage of the group asks for, grown per attempt as `on-retry:` says. */
function resourcesOf(group: StageState[], attempt: number): JobResources {
  const most = (f: (s: StageState) => number) => Math.max(0, ...group.map(f));
  const grown = (base: number, factor: number) => Math.round(base * factor ** (attempt - 1));
  const limits = group.map((s) => s.planned.resources.maxParallel).filter(Boolean);
  return {
    cpus: Math.max(
      1,
      most((s) => s.planned.resources.cpus),
    ),
    memory: most((s) => grown(s.planned.resources.memory, s.planned.resources.onRetry.memory)),
    time: most((s) => grown(s.planned.resources.time, s.planned.resources.onRetry.time)),
    throttle: limits.length ? Math.min(...limits) : 0,
  };
}

async function readOutcome(base: string): Promise<TaskOutcome | undefined> {
  const text = await readFile(`${base}.outcome.json`, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as TaskOutcome);
}

/** The exit status the job's wrapper wrote, else what accounting says, else undefined. */
async function exitCodeOf(base: string, end: JobEnd): Promise<number | undefined> {
  const text = await readFile(`${base}.exit`, 'utf8').catch(() => undefined);
  return text === undefined ? end.exitCode : Number(text.trim());
}

const completed = (outcome: TaskOutcome) => Object.values(outcome).every((s) => s.status === 'COMPLETED');

/** The first failure a task reported, or undefined if none of its stages failed. */
const failureOf = (outcome: TaskOutcome) => Object.values(outcome).find((s) => s.status === 'FAILED')?.error;

/** Why a job ended without reporting, in words a user can act on. */
function whyJobEnded(job: Job, end: JobEnd, exitCode: number | undefined): string {
  const log = `its log: ${job.base}.err`;
  if (end.state === 'TIMEOUT') return `job ${job.id} ran past its time limit (SLURM state TIMEOUT)`;
  if (end.state === 'OUT_OF_MEMORY' || exitCode === 137)
    return `job ${job.id} was killed for memory (${end.state === 'OUT_OF_MEMORY' ? 'SLURM state OUT_OF_MEMORY' : 'exit 137: SIGKILL, as the out-of-memory killer sends'})`;
  if (end.interrupted)
    return `job ${job.id} was ${end.state === 'PREEMPTED' ? 'preempted' : `lost (${end.state})`}`;
  if (end.state === 'CANCELLED') return `job ${job.id} was cancelled outside genoflow`;
  if (exitCode !== undefined)
    return `job ${job.id} exited with status ${exitCode} before it reported; ${log}`;
  return `job ${job.id} left the queue (${end.state}) without reporting; ${log}`;
}

/** The same outcome for every stage of the group: a job that ended before its task reported. */
function outcomeOf(
  group: StageState[],
  status: 'FAILED' | 'ABORTED',
  attempt: number,
  error: string,
): TaskOutcome {
  const stage: StageOutcome = {
    status,
    error,
    attempt,
    recordsIn: 0,
    recordsOut: 0,
    bytesOut: 0,
    counters: {},
  };
  return Object.fromEntries(group.map((s) => [s.planned.name, stage]));
}

/** What the job's task wrote to stdout (a stage writing `-`), onto the run's stdout. */
async function forwardStdout(file: string, stdout: NodeJS.WritableStream): Promise<void> {
  if (!(await stat(file).catch(() => undefined))?.size) return;
  await pipeline(createReadStream(file), stdout as NodeJS.WritableStream, { end: false });
}
