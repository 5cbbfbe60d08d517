import type cliProgress from 'cli-progress';

/** Live counts of one stage, read by the reporter. */
export interface StageProgress {
  name: string;
  records: () => number;
  status: string;
  started: number;
  done: boolean;
}

let stderrSink: ((text: string) => void) | undefined;

/**
 * Writes log text to stderr. While progress bars are drawn it goes above them (through the
 * bars' own log), so a redraw never lands on a log line or a final table.
 */
export function writeStderr(text: string): void {
  if (stderrSink) stderrSink(text);
  else process.stderr.write(text);
}

/** Shows progress on stderr: live bars on a TTY, a line per stage every few seconds otherwise. */
export interface ProgressReporter {
  track(stage: StageProgress): void;
  stop(): void;
}

export async function createReporter(
  mode: 'tty' | 'lines' | 'off',
  intervalMs = 5000,
): Promise<ProgressReporter> {
  if (mode === 'off') return { track() {}, stop() {} };
  const stages: StageProgress[] = [];
  const describe = (s: StageProgress) => {
    const seconds = (Date.now() - s.started) / 1000;
    const n = s.records();
    return { n, rate: seconds > 0 ? Math.round(n / seconds) : 0, seconds: seconds.toFixed(1) };
  };
  if (mode === 'lines') {
    const shown = new Map<StageProgress, string>();
    // What each stage logged last: a status that repeats it is not printed again.
    const logged = new Map<string, string>();
    stderrSink = (text) => {
      process.stderr.write(text);
      const tagged = /^(?:\w+: )?\[([^\]]+)\] (.*)\n$/.exec(text);
      if (tagged) logged.set(tagged[1]!, tagged[2]!);
    };
    const timer = setInterval(() => {
      for (const s of stages) {
        if (s.done) continue;
        const { n, rate, seconds } = describe(s);
        // A line only for stages that moved since the last one.
        const state = `${n} ${s.status}`;
        if (shown.get(s) === state || (n === 0 && !s.status)) continue;
        shown.set(s, state);
        if (n === 0 && logged.get(s.name) === s.status) continue;
        // A stage still reading (training, say) has only its status to show.
        const counts = n ? `${n} records, ${rate}/s, ` : '';
        process.stderr.write(`[${s.name}] ${counts}${seconds}s${s.status ? `, ${s.status}` : ''}\n`);
      }
    }, intervalMs);
    timer.unref();
    return {
      track: (s) => stages.push(s),
      stop: () => {
        clearInterval(timer);
        stderrSink = undefined;
      },
    };
  }
  // Loaded only for a terminal: it is the slowest module to load of the CLI's.
  const { default: cliProgress } = await import('cli-progress');
  const bars = new cliProgress.MultiBar(
    {
      format: '{stage} {records} records {rate}/s {seconds}s {status}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const live = new Map<StageProgress, cliProgress.SingleBar>();
  const timer = setInterval(() => {
    for (const [s, bar] of live) {
      const { n, rate, seconds } = describe(s);
      bar.update(0, {
        stage: s.name.padEnd(16),
        records: n,
        rate,
        seconds,
        status: s.done ? 'done' : s.status,
      });
    }
  }, 200);
  timer.unref();
  // Each logged line may land on a longer bar line: erase it first (ESC[2K).
  stderrSink = (text) => bars.log(text.replace(/^(?=.)/gm, '\x1b[2K'));
  let stopped = false;
  return {
    track: (s) =>
      live.set(
        s,
        bars.create(1, 0, { stage: s.name.padEnd(16), records: 0, rate: 0, seconds: 0, status: '' }),
      ),
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      // Draw once more, which prints what was logged since the last redraw above the bars.
      bars.update();
      bars.stop();
      stderrSink = undefined;
    },
  };
}
