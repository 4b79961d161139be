import { describe, expect, it } from 'vitest';
import { createOperator } from '../../src/services/admin/operators.js';
import { verifyAuditLog } from '../../src/services/audit/audit-log.js';
import { useHarness } from '../fixtures/harness.js';

const h = useHarness();

describe('operator accounts (custos admin create)', () => {
  it('creates an operator with a generated one-time password, stored only as argon2id, and audits it', async () => {
    const r = await createOperator(h.deps, { email: 'Ops@Example.com', role: 'admin' });
    expect(r.email).toBe('ops@example.com');
    expect(r.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const row = await h.deps.db
      .selectFrom('operators')
      .selectAll()
      .where('id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
    expect(row.password_hash).not.toContain(r.generatedPassword!);
    expect(await h.deps.passwords.verify(row.password_hash, r.generatedPassword!)).toBe(true);
    const events = await h.deps.db
      .selectFrom('audit_events')
      .select(['type', 'data'])
      .where('type', '=', 'operator.created')
      .execute();
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0]!.data)).not.toContain(r.generatedPassword!);
    expect((await verifyAuditLog(h.deps)).ok).toBe(true);
  });

  it('refuses a duplicate email and a weak chosen password', async () => {
    await expect(createOperator(h.deps, { email: 'ops@example.com', role: 'analyst' })).rejects.toMatchObject(
      { code: 'CONFLICT' },
    );
    await expect(
      createOperator(h.deps, { email: 'weak@example.com', role: 'support', password: 'password1' }),
    ).rejects.toMatchObject({
      code: 'WEAK_PASSWORD',
    });
  });
});
