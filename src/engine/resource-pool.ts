/** What a task group asks of the machine before it starts. */
export interface Need {
  cpus: number;
  memory: number;
  /** Stages of the workflow file with a `max-parallel`, and that limit. */
  limits: [string, number][];
}

/**
 * The local machine's cpus and memory, handed out to task groups: never more at once than
 * fit. A group that asks for more than the whole machine runs alone.
 */
export function createResourcePool(cpus: number, memory: number) {
  let freeCpus = cpus;
  let freeMemory = memory;
  const running = new Map<string, number>();
  const waiting: { need: Need; start: () => void }[] = [];
  const fits = (need: Need) => {
    if (!need.cpus && !need.memory && !need.limits.length) return true;
    const alone = freeCpus === cpus && freeMemory === memory;
    const limited = need.limits.some(([stage, max]) => (running.get(stage) ?? 0) >= max);
    return !limited && (alone || (need.cpus <= freeCpus && (!memory || need.memory <= freeMemory)));
  };
  const take = (need: Need, sign: 1 | -1) => {
    freeCpus -= sign * need.cpus;
    freeMemory -= sign * need.memory;
    for (const [stage] of need.limits) running.set(stage, (running.get(stage) ?? 0) + sign);
  };
  const startWaiting = () => {
    for (let i = 0; i < waiting.length; ) {
      const next = waiting[i]!;
      if (!fits(next.need)) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      take(next.need, 1);
      next.start();
    }
  };
  return {
    /** Resolves once the group may start; call the returned function when it has settled. */
    async acquire(need: Need): Promise<() => void> {
      await new Promise<void>((start) => {
        waiting.push({ need, start });
        startWaiting();
      });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        take(need, -1);
        startWaiting();
      };
    },
  };
}
