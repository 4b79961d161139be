import type { Executor } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { appendAudit } from '../audit/append-audit.js';
import { assetOf } from '../ledger/assets.js';

/**
 * The withdrawal kill switches (SPEC S9): all withdrawals, or one asset's. A paused withdrawal is
 * not cancelled: new requests are refused and queued ones wait, so resuming needs no re-entry.
 */
export interface WithdrawalControls {
  readonly pausedAll: boolean;
  readonly pausedAssets: readonly string[];
  readonly reasons: Readonly<Record<string, string>>;
}

const KEY_ALL = 'withdrawals.paused';
const keyFor = (asset: string) => `withdrawals.paused.${asset}`;

/** The switches from the keys of those that are on (`withdrawals.paused`, `withdrawals.paused.<ASSET>`). */
export function controlsFromKeys(
  keys: readonly string[],
  reasons: Record<string, string> = {},
): WithdrawalControls {
  return {
    pausedAll: keys.includes(KEY_ALL),
    pausedAssets: keys.filter((k) => k !== KEY_ALL).map((k) => k.slice(keyFor('').length)),
    reasons,
  };
}

export async function getWithdrawalControls(db: Executor): Promise<WithdrawalControls> {
  const rows = await db
    .selectFrom('platform_controls')
    .select(['key', 'value', 'reason'])
    .where('key', 'like', 'withdrawals.paused%')
    .execute();
  const on = rows.filter((r) => r.value === true);
  return controlsFromKeys(
    on.map((r) => r.key),
    Object.fromEntries(on.map((r) => [r.key === KEY_ALL ? '*' : r.key.slice(keyFor('').length), r.reason])),
  );
}

/** Pauses or resumes withdrawals of one asset, or of all (`asset` null); audited. */
export async function setWithdrawalPause(
  deps: Deps,
  input: { asset: string | null; paused: boolean; reason: string; actor: string },
): Promise<WithdrawalControls> {
  if (input.asset) assetOf(deps, input.asset);
  const key = input.asset ? keyFor(input.asset) : KEY_ALL;
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('platform_controls')
      .values({
        key,
        value: JSON.stringify(input.paused),
        reason: input.reason,
        updated_by: input.actor,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          value: JSON.stringify(input.paused),
          reason: input.reason,
          updated_by: input.actor,
          updated_at: now,
        }),
      )
      .execute();
    await appendAudit(trx, deps, {
      type: input.paused ? 'platform.withdrawals_paused' : 'platform.withdrawals_resumed',
      actor: input.actor,
      data: { asset: input.asset ?? '*', reason: input.reason },
    });
  });
  deps.log.warn(
    { asset: input.asset ?? '*', paused: input.paused, actor: input.actor },
    'withdrawal kill switch changed',
  );
  return getWithdrawalControls(deps.db);
}
