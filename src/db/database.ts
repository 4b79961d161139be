import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Either the database or an open transaction: repository reads accept both. */
export type Executor = Db | Trx;

export interface DatabaseHandle {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** The PostgreSQL schema in use, when not the default one. */
  readonly schema?: string | undefined;
  /**
   * Runs one statement of a hot path as a named prepared statement on PostgreSQL (parsed and
   * planned once per connection), or directly on PGlite. Never call it inside a transaction.
   */
  prepared<R>(name: string, text: string, values: readonly unknown[]): Promise<R[]>;
  /**
   * Listens on a notification channel on a connection of its own. `onState(true)` once listening;
   * `onState(false)` whenever the connection is lost (it reconnects with backoff) or closed:
   * notifications sent meanwhile are lost, so a consumer must treat that as "anything changed".
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onState: (listening: boolean) => void,
  ): Listener;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Listener {
  close(): Promise<void>;
}

const LISTEN_RETRY_MIN_MS = 500;
const LISTEN_RETRY_MAX_MS = 30_000;
const CHANNEL = /^[a-z_][a-z0-9_]*$/;

function listenOnPostgres(
  clientConfig: pg.ClientConfig,
  channel: string,
  onPayload: (payload: string) => void,
  onState: (listening: boolean) => void,
): Listener {
  if (!CHANNEL.test(channel)) throw new Error(`invalid channel name: ${channel}`);
  let current: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = LISTEN_RETRY_MIN_MS;
  const reconnectLater = () => {
    if (closed) return;
    retry = setTimeout(() => void connect(), delay);
    retry.unref();
    delay = Math.min(delay * 2, LISTEN_RETRY_MAX_MS);
  };
  const connect = async () => {
    const client = new pg.Client({ ...clientConfig, keepAlive: true });
    client.on('error', () => {
      // Followed by 'end', which reports the loss and reconnects.
    });
    client.on('notification', (m) => {
      if (m.channel === channel && m.payload !== undefined) onPayload(m.payload);
    });
    client.on('end', () => {
      if (current !== client) return;
      current = null;
      onState(false);
      reconnectLater();
    });
    try {
      await client.connect();
      await client.query(`listen ${channel}`);
    } catch {
      await client.end().catch(() => undefined);
      reconnectLater();
      return;
    }
    if (closed) {
      await client.end().catch(() => undefined);
      return;
    }
    current = client;
    delay = LISTEN_RETRY_MIN_MS;
    onState(true);
  };
  void connect();
  return {
    close: async () => {
      closed = true;
      clearTimeout(retry);
      const client = current;
      current = null;
      onState(false);
      await client?.end().catch(() => undefined);
    },
  };
}

// bigint (int8) and numeric travel as strings: JavaScript numbers would lose precision.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => v);

export interface DatabaseOptions {
  /** postgres:// URL; without it, PGlite. */
  url?: string | undefined;
  /** PGlite data directory; `memory://` for an in-memory database. */
  pgliteDir?: string;
  poolSize?: number;
  /** PostgreSQL schema to use (tests isolate each file in its own). */
  schema?: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 20,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      kind: 'postgres',
      schema: options.schema,
      prepared: async <R>(name: string, text: string, values: readonly unknown[]) =>
        (await pool.query({ name, text, values: [...values] })).rows as R[],
      listen: (channel, onPayload, onState) =>
        listenOnPostgres(
          {
            connectionString: options.url,
            ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
          },
          channel,
          onPayload,
          onState,
        ),
      ping: async () => {
        await pool.query('select 1');
      },
      close: () => db.destroy(),
    };
  }
  const dir = options.pgliteDir ?? 'memory://';
  if (!dir.startsWith('memory://')) fs.mkdirSync(dir, { recursive: true });
  const pglite = await PGlite.create(dir, {
    parsers: { 20: (v: string) => v, 1700: (v: string) => v },
  });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    prepared: async <R>(_name: string, text: string, values: readonly unknown[]) =>
      (await pglite.query<R>(text, [...values])).rows,
    listen: (channel, onPayload, onState) => {
      // One embedded session: a notification from a trigger reaches it when the statement ends.
      const unsubscribe = pglite.listen(channel, onPayload);
      let closed = false;
      unsubscribe.then(
        () => !closed && onState(true),
        () => onState(false),
      );
      return {
        close: async () => {
          closed = true;
          onState(false);
          await (
            await unsubscribe.catch(() => null)
          )?.();
        },
      };
    },
    ping: async () => {
      await pglite.query('select 1');
    },
    close: () => db.destroy(),
  };
}
