import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { buildDeps, closeDeps } from '../../src/deps.js';
import { createLogger } from '../../src/observability/logger.js';
import { runCli } from '../fixtures/cli.js';
import { appendAudit } from '../../src/services/audit/append-audit.js';
import { chainAuditEvents, unchainedCount } from '../../src/services/audit/chain-events.js';
import { createCheckpoint, exportAuditJsonl, verifyAuditLog } from '../../src/services/audit/audit-log.js';
import { createHarness, type Harness, signUp, TEST_PASSWORD, uniqueEmail } from '../fixtures/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  // Some real history: a registration, a verification, a sign-in, failures.
  const c = h.client();
  const email = uniqueEmail();
  await signUp(h, c, email);
  await c.post('/v1/auth/sign-in', { email, password: 'wrong wrong wrong 11' });
  await c.post('/v1/auth/step-up', { method: 'password', password: TEST_PASSWORD });
});
afterAll(() => h.close());

/** An attacker with database access: the append-only trigger is switched off first. */
async function tamper(fn: () => Promise<unknown>) {
  await sql`alter table audit_events disable trigger audit_events_no_update`.execute(h.deps.db);
  try {
    await fn();
  } finally {
    await sql`alter table audit_events enable trigger audit_events_no_update`.execute(h.deps.db);
  }
}

/**
 * Seals every event of this file's database. Sealing waits for every older transaction of the
 * whole server to end, including other test files' on PostgreSQL, so it may take a moment.
 */
async function sealAll(deps = h.deps) {
  const end = Date.now() + 30_000;
  for (;;) {
    await chainAuditEvents(deps);
    if ((await unchainedCount(deps)) === 0) return;
    if (Date.now() > end) throw new Error('audit events stayed unsealed for 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The sealed chain (what an attacker would rewrite after the fact). */
async function snapshot() {
  await sealAll();
  return h.deps.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
}

async function restore(rows: Awaited<ReturnType<typeof snapshot>>) {
  await tamper(async () => {
    await h.deps.db.deleteFrom('audit_events').execute();
    await h.deps.db
      .insertInto('audit_events')
      .values(rows.map((r) => ({ ...r, data: JSON.stringify(r.data) }) as never))
      .execute();
  });
}

describe('Security: audit chain tampering', () => {
  it('an intact chain verifies', async () => {
    await sealAll();
    const v = await verifyAuditLog(h.deps);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.count).toBeGreaterThanOrEqual(4);
  });

  it('the database refuses updates and deletes of audit events, sealed or not', async () => {
    await sealAll();
    await expect(sql`update audit_events set type = 'x' where seq = 1`.execute(h.deps.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`update audit_events set hash = 'x' where seq = 1`.execute(h.deps.db)).rejects.toThrow(
      /append-only/,
    );
    // An event not yet sealed can receive its chain position, and nothing else.
    const { id } = await h.deps.db
      .transaction()
      .execute((trx) => appendAudit(trx, h.deps, { type: 'test.pending', actor: 'system' }));
    await expect(sql`update audit_events set type = 'x' where id = ${id}`.execute(h.deps.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_events where id = ${id}`.execute(h.deps.db)).rejects.toThrow(
      /append-only/,
    );
    await sealAll();
    await expect(sql`delete from audit_events where seq = 1`.execute(h.deps.db)).rejects.toThrow(
      /append-only/,
    );
  });

  it('audit chain detects a modified event', async () => {
    const rows = await snapshot();
    await tamper(() =>
      h.deps.db
        .updateTable('audit_events')
        .set({ data: JSON.stringify({ factor: 'password', failedAttempts: 0 }) })
        .where('seq', '=', '3')
        .execute(),
    );
    const v = await verifyAuditLog(h.deps);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.seq).toBe(3n);
      expect(v.kind).toBe('modified');
    }
    await restore(rows);
    expect((await verifyAuditLog(h.deps)).ok).toBe(true);
  });

  it('audit chain detects a modified event whose hash the attacker recomputed', async () => {
    const rows = await snapshot();
    const { hashEvent } = await import('../../src/domain/audit/hash-chain.js');
    const target = rows[1]!;
    const forged = { ...target, type: 'user.something_else' };
    const newHash = hashEvent(target.prev_hash!, {
      seq: BigInt(forged.seq!),
      id: forged.id,
      at: forged.at,
      type: forged.type,
      actor: forged.actor,
      userId: forged.user_id,
      ip: forged.ip,
      deviceId: forged.device_id,
      data: forged.data,
    });
    await tamper(() =>
      h.deps.db
        .updateTable('audit_events')
        .set({ type: forged.type, hash: newHash })
        .where('seq', '=', target.seq!)
        .execute(),
    );
    const v = await verifyAuditLog(h.deps);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.seq).toBe(BigInt(target.seq!) + 1n); // the next event no longer links to it
    await restore(rows);
  });

  it('audit chain detects a deleted event', async () => {
    const rows = await snapshot();
    await tamper(() => h.deps.db.deleteFrom('audit_events').where('seq', '=', '2').execute());
    const v = await verifyAuditLog(h.deps);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.kind).toBe('deleted');
      expect(v.seq).toBe(3n);
      expect(v.message).toContain('event 2 is missing');
    }
    await restore(rows);
  });

  it('audit chain detects a reordered event', async () => {
    const rows = await snapshot();
    // Swap the contents of events 2 and 3 (keeping the sequence numbers in order).
    const [e2, e3] = [rows[1]!, rows[2]!];
    await tamper(async () => {
      await h.deps.db.deleteFrom('audit_events').where('seq', 'in', ['2', '3']).execute();
      await h.deps.db
        .insertInto('audit_events')
        .values([
          { ...e3, seq: '2', data: JSON.stringify(e3.data) } as never,
          { ...e2, seq: '3', data: JSON.stringify(e2.data) } as never,
        ])
        .execute();
    });
    const v = await verifyAuditLog(h.deps);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.seq).toBe(2n);
    await restore(rows);
  });

  it('a signed checkpoint catches a truncated tail', async () => {
    const rows = await snapshot();
    const cp = await createCheckpoint(h.deps);
    expect(cp.signature).toMatch(/^[0-9a-f]{128}$/);
    const last = rows[rows.length - 1]!;
    await tamper(async () => {
      await h.deps.db.deleteFrom('audit_events').where('seq', '=', last.seq!).execute();
      // The attacker also rewinds the head row.
      await h.deps.db
        .updateTable('audit_head')
        .set({ seq: rows[rows.length - 2]!.seq!, hash: rows[rows.length - 2]!.hash! })
        .execute();
    });
    const v = await verifyAuditLog(h.deps);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.seq).toBe(BigInt(last.seq!));
    await restore(rows);
    await h.deps.db.updateTable('audit_head').set({ seq: last.seq!, hash: last.hash! }).execute();
    expect((await verifyAuditLog(h.deps)).ok).toBe(true);
  });

  it('a failed change writes no audit event (same transaction)', async () => {
    const before = (await snapshot()).length;
    const c = h.client();
    const r = await c.post('/v1/auth/verify-email', { token: 'x'.repeat(43) });
    expect(r.status).toBe(400);
    expect((await snapshot()).length).toBe(before);
  });

  it('exports JSON Lines that carry every field a verifier needs', async () => {
    const lines: string[] = [];
    for await (const line of exportAuditJsonl(h.deps)) lines.push(line);
    const first = JSON.parse(lines[0]!);
    expect(Object.keys(first).sort()).toEqual(
      ['actor', 'at', 'data', 'deviceId', 'hash', 'id', 'ip', 'prevHash', 'seq', 'type', 'userId'].sort(),
    );
    expect(first.prevHash).toBe('0'.repeat(64));
  });
});

describe('sealing events into the chain', () => {
  it('an event is sealed only after its transaction ends, in transaction order, and audited changes do not wait for each other', async () => {
    if (h.dbKind !== 'postgres') return; // concurrent transactions need a server
    await sealAll();
    const other = await h.otherNode();
    try {
      let releaseA!: () => void;
      const held = new Promise<void>((r) => (releaseA = r));
      let startedA!: () => void;
      const started = new Promise<void>((r) => (startedA = r));
      // A appends first (lower transaction id) and stays open; B appends and commits meanwhile.
      const a = h.deps.db.transaction().execute(async (trx) => {
        await appendAudit(trx, h.deps, { type: 'test.order_a', actor: 'system' });
        startedA();
        await held;
      });
      await started;
      await other.deps.db
        .transaction()
        .execute((trx) => appendAudit(trx, other.deps, { type: 'test.order_b', actor: 'system' }));
      await chainAuditEvents(h.deps);
      const sealed = () =>
        h.deps.db
          .selectFrom('audit_events')
          .select(['type', 'seq'])
          .where('type', 'in', ['test.order_a', 'test.order_b'])
          .orderBy('ord')
          .execute();
      // B committed, but A (older) is still running: B must wait, or A would land before it later.
      expect((await sealed()).map((e) => e.seq)).toEqual([null]);
      releaseA();
      await a;
      await sealAll();
      const rows = await sealed();
      const [ea, eb] = [
        rows.find((r) => r.type === 'test.order_a')!,
        rows.find((r) => r.type === 'test.order_b')!,
      ];
      expect(BigInt(eb.seq!)).toBe(BigInt(ea.seq!) + 1n);
      expect((await verifyAuditLog(h.deps)).ok).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('a rolled-back change leaves no event and no gap in the chain', async () => {
    await sealAll();
    await expect(
      h.deps.db.transaction().execute(async (trx) => {
        await appendAudit(trx, h.deps, { type: 'test.rolled_back', actor: 'system' });
        throw new Error('the change fails');
      }),
    ).rejects.toThrow('the change fails');
    await h.deps.db
      .transaction()
      .execute((trx) => appendAudit(trx, h.deps, { type: 'test.after_rollback', actor: 'system' }));
    await sealAll();
    const v = await verifyAuditLog(h.deps);
    expect(v).toMatchObject({ ok: true, unchained: 0 });
    const gone = await h.deps.db
      .selectFrom('audit_events')
      .select('id')
      .where('type', '=', 'test.rolled_back')
      .execute();
    expect(gone).toEqual([]);
  });
});

describe('custos audit verify (CLI)', () => {
  it('names the first tampered event and exits 1', async () => {
    if (process.env.TEST_DATABASE_URL) return; // the CLI test uses an embedded database directory
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-cli-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
    });
    const database = await openDatabase({ pgliteDir: config.pgliteDir });
    const deps = await buildDeps(config, { database, log: createLogger('silent'), defaultMetrics: false });
    for (let i = 0; i < 5; i++) {
      await deps.db
        .transaction()
        .execute((trx) => appendAudit(trx, deps, { type: 'test.event', actor: 'system', data: { i } }));
    }
    await sealAll(deps);
    await sql`alter table audit_events disable trigger audit_events_no_update`.execute(deps.db);
    await deps.db.updateTable('audit_events').set({ actor: 'someone-else' }).where('seq', '=', '4').execute();
    await closeDeps(deps);

    const result = await runCli(dataDir, 'audit', 'verify');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('first bad event is #4');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);
});
