import type { Kysely } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import * as m0001 from './migrations/0001-identity-and-audit.js';
import * as m0002 from './migrations/0002-indexes.js';
import * as m0003 from './migrations/0003-session-invalidation.js';
import * as m0004 from './migrations/0004-ledger.js';
import * as m0005 from './migrations/0005-withdrawal-settings.js';
import * as m0006 from './migrations/0006-withdrawals.js';
import * as m0007 from './migrations/0007-audit-chaining.js';
import * as m0008 from './migrations/0008-reserves.js';

/** Migrations are listed in code (not read from disk) so that the built and the tsx runs agree. */
const migrations: Record<string, Migration> = {
  '0001-identity-and-audit': m0001,
  '0002-indexes': m0002,
  '0003-session-invalidation': m0003,
  '0004-ledger': m0004,
  '0005-withdrawal-settings': m0005,
  '0006-withdrawals': m0006,
  '0007-audit-chaining': m0007,
  '0008-reserves': m0008,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export interface MigrationReport {
  applied: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator takes any database
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
