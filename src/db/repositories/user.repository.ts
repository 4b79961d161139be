import { sql } from 'kysely';
import type { Executor, Trx } from '../database.js';
import type { NewUser, UserRow, UserUpdate } from '../schema.js';

export function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

export function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks the user's row for the rest of the transaction; cannot be called outside one. */
export function lockUserById(trx: Trx, id: string): Promise<UserRow | undefined> {
  return trx.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function insertUser(trx: Trx, user: NewUser): Promise<'inserted' | 'exists'> {
  const r = await trx
    .insertInto('users')
    .values(user)
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .executeTakeFirst();
  return r.numInsertedOrUpdatedRows === 1n ? 'inserted' : 'exists';
}

export async function updateUser(trx: Trx, id: string, patch: UserUpdate): Promise<void> {
  await trx.updateTable('users').set(patch).where('id', '=', id).execute();
}
