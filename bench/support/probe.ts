import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

/**
 * Readings the benchmark takes besides the load generator's: where the CPU went (this server
 * process, the load generator, the rest of the machine) and what the database was asked.
 */

export interface CpuReading {
  at: number;
  process: NodeJS.CpuUsage;
  elu: ReturnType<typeof performance.eventLoopUtilization>;
  machine: { busy: number; total: number } | null;
  /**
   * CPU ticks used so far by every PostgreSQL process on this machine, counting backends that
   * have exited (the postmaster's reaped-children time), so that closed connections do not vanish.
   */
  postgres: number | null;
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function postgresTicks(): number | null {
  try {
    let sum = 0;
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^[0-9]+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      // utime, stime, cutime, cstime (the last two: children reaped, i.e. exited backends)
      sum += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    }
    return sum;
  } catch {
    return null;
  }
}

function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

export const cpuReading = (): CpuReading => ({
  at: performance.now(),
  process: process.cpuUsage(),
  elu: performance.eventLoopUtilization(),
  machine: machineTicks(),
  postgres: postgresTicks(),
});

export interface CpuFigures {
  /** Wall time between the two readings, in seconds. */
  wallS: number;
  /** This (server) process: CPU time / wall time, in % of one core. */
  serverProcessPercent: number;
  /** Share of the server's event loop spent running JavaScript (1 = saturated main thread). */
  serverEventLoopUtilization: number;
  /** Whole machine, in % of one core (200 = both cores of two busy). */
  machinePercent: number | null;
  /** Every PostgreSQL process on the machine (other users' too), in % of one core. */
  postgresPercent: number | null;
  cores: number;
}

export function cpuBetween(a: CpuReading, b: CpuReading): CpuFigures {
  const wallMs = b.at - a.at;
  const used = (b.process.user - a.process.user + b.process.system - a.process.system) / 1000;
  const elu = performance.eventLoopUtilization(b.elu, a.elu);
  const cores = os.cpus().length;
  const machine =
    a.machine && b.machine && b.machine.total > a.machine.total
      ? ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * 100 * cores
      : null;
  const pgTicks = a.postgres !== null && b.postgres !== null ? b.postgres - a.postgres : null;
  return {
    wallS: Math.round(wallMs) / 1000,
    serverProcessPercent: Math.round((used / wallMs) * 1000) / 10,
    postgresPercent:
      pgTicks === null ? null : Math.round(((pgTicks / ticksPerSecond()) * 1000 * 1000) / wallMs) / 10,
    serverEventLoopUtilization: Math.round(elu.utilization * 1000) / 1000,
    machinePercent: machine === null ? null : Math.round(machine * 10) / 10,
    cores,
  };
}

// -------------------------------------------------------------------------------------------------

export interface QueryProbe {
  requests: number;
  queriesPerRequest: number;
  /** Distinct statements seen, with how many times each ran per request. */
  statements: Array<{ sql: string; perRequest: number; meanMs: number }>;
  /** One request at a time, no other load: wall time per request, and the part spent waiting for queries. */
  unloadedRequestMs: number;
  queryWaitMsPerRequest: number;
}

type QueryFn = (...args: unknown[]) => unknown;

/**
 * Sends `n` requests one after another while counting and timing every statement the `pg` driver
 * sends (by wrapping pg.Client#query for the duration of the probe only).
 */
export async function probeQueries(n: number, send: () => Promise<void>): Promise<QueryProbe> {
  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  const seen = new Map<string, { count: number; ms: number }>();
  let total = 0;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '?');
    const t0 = performance.now();
    const result = original.apply(this, args);
    total++;
    const note = () => {
      const e = seen.get(text) ?? { count: 0, ms: 0 };
      e.count++;
      e.ms += performance.now() - t0;
      seen.set(text, e);
    };
    if (result && typeof (result as Promise<unknown>).then === 'function')
      (result as Promise<unknown>).then(note, note);
    else note();
    return result;
  };
  const t0 = performance.now();
  try {
    for (let i = 0; i < n; i++) await send();
  } finally {
    proto.query = original;
  }
  const elapsed = performance.now() - t0;
  const statements = [...seen.entries()]
    .map(([sql, e]) => ({
      sql: sql.replace(/\s+/g, ' ').slice(0, 1000),
      perRequest: Math.round((e.count / n) * 100) / 100,
      meanMs: Math.round((e.ms / e.count) * 1000) / 1000,
    }))
    .sort((a, b) => b.perRequest - a.perRequest);
  const waitMs = [...seen.values()].reduce((a, e) => a + e.ms, 0);
  return {
    requests: n,
    queriesPerRequest: Math.round((total / n) * 100) / 100,
    statements,
    unloadedRequestMs: Math.round((elapsed / n) * 1000) / 1000,
    queryWaitMsPerRequest: Math.round((waitMs / n) * 1000) / 1000,
  };
}
