import pg from 'pg';

/**
 * What one row locked until the commit costs on this PostgreSQL, with no HTTP and no Custos code:
 * `concurrency` connections each running `begin; update <row>; commit` as fast as they can, on
 * one shared row (every transaction waits for the previous one's commit, as audit appends do on
 * audit_head) and on a row per connection (commits can share a WAL flush). The first is the
 * ceiling a single hot row held until the commit puts on any write path that takes it; the same
 * with a few more statements sent before the commit shows what each round trip inside the lock costs.
 */

export interface HotRowFigures {
  concurrency: number;
  seconds: number;
  oneRowPerSecond: number;
  /** One shared row, with this many more statements (`select 1`) between the update and the commit. */
  oneRowWithRoundTrips: Array<{ roundTrips: number; perSecond: number }>;
  rowPerConnectionPerSecond: number;
  /** Mean commit round trip with one row per connection (ms). */
  commitMs: number;
}

export async function measureHotRow(
  url: string,
  schema: string,
  concurrency: number,
  seconds: number,
  extraRoundTrips: readonly number[] = [1, 4],
): Promise<HotRowFigures> {
  const pool = new pg.Pool({ connectionString: url, max: concurrency, options: `-c search_path=${schema}` });
  try {
    await pool.query('create table if not exists bench_hot_row (id int primary key, n bigint not null)');
    await pool.query(
      `insert into bench_hot_row select g, 0 from generate_series(0, ${concurrency}) g on conflict do nothing`,
    );
    let commitMs = 0;
    let commits = 0;
    const run = async (rowOf: (worker: number) => number, roundTrips = 0) => {
      let done = 0;
      const end = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, w) => {
          const client = await pool.connect();
          try {
            while (performance.now() < end) {
              await client.query('begin');
              await client.query('update bench_hot_row set n = n + 1 where id = $1', [rowOf(w)]);
              for (let i = 0; i < roundTrips; i++) await client.query('select 1');
              const t0 = performance.now();
              await client.query('commit');
              commitMs += performance.now() - t0;
              commits++;
              done++;
            }
          } finally {
            client.release();
          }
        }),
      );
      return Math.round((done / seconds) * 10) / 10;
    };
    const oneRowPerSecond = await run(() => 0);
    const oneRowWithRoundTrips: HotRowFigures['oneRowWithRoundTrips'] = [];
    for (const roundTrips of extraRoundTrips)
      oneRowWithRoundTrips.push({ roundTrips, perSecond: await run(() => 0, roundTrips) });
    commitMs = 0;
    commits = 0;
    const rowPerConnectionPerSecond = await run((w) => w + 1);
    return {
      concurrency,
      seconds,
      oneRowPerSecond,
      oneRowWithRoundTrips,
      rowPerConnectionPerSecond,
      commitMs: Math.round((commitMs / Math.max(commits, 1)) * 1000) / 1000,
    };
  } finally {
    await pool.query('drop table if exists bench_hot_row').catch(() => {});
    await pool.end();
  }
}
