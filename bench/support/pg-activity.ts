import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';

/**
 * Samples what the server's PostgreSQL connections are doing (pg_stat_activity, the connections
 * whose application_name is the bench node's) every few milliseconds during a run: running a
 * statement, waiting for a lock (and on which transaction: what its holder last ran), waiting for
 * the WAL flush of a commit, or "idle in transaction", i.e. inside a transaction waiting for the
 * Node server to send the next statement. Averaged over the run, these counts show where a
 * request's time in the database goes and what a lock convoy forms behind.
 */

export interface ActivitySummary {
  samples: number;
  everyMs: number;
  /** Mean number of the node's connections in each state, per sample. */
  meanConnections: Record<string, number>;
  /** Lock waits by what the blocking transaction last ran and its state (mean waiters per sample). */
  lockWaitsByBlocker: Array<{ blocker: string; meanWaiters: number }>;
}

interface Row {
  state: string | null;
  wait_type: string | null;
  wait_event: string | null;
  blocker_state: string | null;
  blocker_query: string | null;
}

const SAMPLE = `
  select a.state, a.wait_event_type as wait_type, a.wait_event,
         b.state as blocker_state, left(regexp_replace(b.query, '\\s+', ' ', 'g'), 70) as blocker_query
    from pg_stat_activity a
    left join pg_stat_activity b
      on a.wait_event_type = 'Lock' and b.pid = (pg_blocking_pids(a.pid))[1]
   where a.application_name = $1 and a.backend_type = 'client backend'`;

function classify(r: Row): string {
  if (r.state === 'idle') return 'idle (free in the pool)';
  if (r.state === 'idle in transaction') return 'idle in transaction (waiting for the Node server)';
  if (r.state === 'active') {
    if (!r.wait_type) return 'active: running';
    return `active: waiting ${r.wait_type}:${r.wait_event}`;
  }
  return r.state ?? '(unknown)';
}

export function startActivitySampler(url: string, applicationName: string, everyMs = 25) {
  const client = new pg.Client({ connectionString: url, application_name: 'custos-bench-sampler' });
  const counts = new Map<string, number>();
  const blockers = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      const t0 = performance.now();
      const { rows } = await client.query<Row>(SAMPLE, [applicationName]);
      samples++;
      for (const r of rows) {
        const c = classify(r);
        counts.set(c, (counts.get(c) ?? 0) + 1);
        if (r.wait_type === 'Lock') {
          const b = `${r.wait_event} held by a transaction ${r.blocker_state ?? '?'} after: ${r.blocker_query ?? '?'}`;
          blockers.set(b, (blockers.get(b) ?? 0) + 1);
        }
      }
      const wait = everyMs - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop(): Promise<ActivitySummary> {
      stopped = true;
      try {
        await loop;
      } finally {
        await client.end().catch(() => {});
      }
      const mean = (n: number) => Math.round((n / Math.max(samples, 1)) * 100) / 100;
      return {
        samples,
        everyMs,
        meanConnections: Object.fromEntries(
          [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, mean(v)]),
        ),
        lockWaitsByBlocker: [...blockers.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([blocker, n]) => ({ blocker, meanWaiters: mean(n) })),
      };
    },
  };
}

/** CPU ticks used so far by each PostgreSQL backend serving `applicationName` (Linux /proc). */
export async function backendTicks(url: string, applicationName: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: url, application_name: 'custos-bench-sampler' });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `select pid from pg_stat_activity where application_name = $1`,
      [applicationName],
    );
    const out = new Map<number, number>();
    for (const { pid } of rows) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(pid, Number(fields[11]) + Number(fields[12]));
      } catch {
        // exited meanwhile, or not on this machine
      }
    }
    return out;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * CPU of the node's own backends between two readings, in % of a core over `wallS` (a backend
 * that started in between counts from its start; one that exited in between is lost).
 */
export function backendPercent(a: Map<number, number>, b: Map<number, number>, wallS: number): number | null {
  if (b.size === 0) return null;
  let ticks = 0;
  for (const [pid, t] of b) ticks += t - (a.get(pid) ?? 0);
  return Math.round((ticks / clockTicks() / wallS) * 1000) / 10;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}
