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
  ping(): Promise<void>;
  close(): Promise<void>;
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
    ping: async () => {
      await pglite.query('select 1');
    },
    close: () => db.destroy(),
  };
}
