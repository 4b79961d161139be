import { describe, expect, it } from 'vitest';
import {
  type ChainedAuditEvent,
  ChainVerifier,
  canonicalEventJson,
  canonicalEventJsonAroundSeq,
  GENESIS_HASH,
  hashEvent,
} from './hash-chain.js';

function chain(n: number): ChainedAuditEvent[] {
  const out: ChainedAuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = {
      seq: BigInt(i),
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      at: new Date(Date.UTC(2026, 10, 21, 9, 0, i)),
      type: 'test.event',
      actor: 'system',
      userId: null,
      ip: '192.0.2.1',
      deviceId: null,
      data: { i, note: 'ü' },
    };
    const hash = hashEvent(prev, e);
    out.push({ ...e, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

const verify = (events: ChainedAuditEvent[], head?: { seq: bigint; hash: string }) => {
  const v = new ChainVerifier();
  for (const e of events) if (!v.push(e)) break;
  return v.result(head);
};

describe('audit hash chain', () => {
  it('has a known answer for a fixed event (an independent verifier must reproduce it)', () => {
    const e = chain(1)[0]!;
    expect(canonicalEventJson(e)).toBe(
      '{"actor":"system","at":"2026-11-21T09:00:01.000Z","data":{"i":1,"note":"ü"},"deviceId":null,"id":"00000000-0000-4000-8000-000000000001","ip":"192.0.2.1","seq":"1","type":"test.event","userId":null}',
    );
    expect(e.hash).toBe(hashEvent(GENESIS_HASH, e));
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('splits the canonical JSON around seq so the database can fill it in', () => {
    for (const e of chain(3)) {
      const { seq, ...rest } = e;
      const { before, after } = canonicalEventJsonAroundSeq({
        ...rest,
        data: { ...rest.data, seq: 'x', ip: ',"seq":"' },
      });
      expect(before + seq.toString() + after).toBe(
        canonicalEventJson({ ...e, data: { ...e.data, seq: 'x', ip: ',"seq":"' } }),
      );
    }
  });

  it('accepts an intact chain', () => {
    const events = chain(5);
    expect(verify(events, { seq: 5n, hash: events[4]!.hash })).toMatchObject({
      ok: true,
      count: 5,
      headSeq: 5n,
    });
  });

  it('names a modified event', () => {
    const events = chain(5);
    events[2] = { ...events[2]!, data: { i: 99 } };
    expect(verify(events)).toMatchObject({ ok: false, seq: 3n, kind: 'modified' });
  });

  it('names the event after a deleted one', () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(verify(events)).toMatchObject({ ok: false, seq: 3n, kind: 'deleted' });
  });

  it('names a reordered event', () => {
    const events = chain(5);
    const [a, b] = [events[1]!, events[2]!];
    events[1] = { ...b, seq: 2n };
    events[2] = { ...a, seq: 3n };
    const v = verify(events);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.seq).toBe(2n);
  });

  it('catches a truncated tail against the recorded head or a checkpoint', () => {
    const events = chain(5);
    expect(verify(events.slice(0, 4), { seq: 5n, hash: events[4]!.hash })).toMatchObject({
      ok: false,
      kind: 'deleted',
    });
    const v = new ChainVerifier(undefined, [{ seq: 5n, hash: events[4]!.hash }]);
    for (const e of events.slice(0, 4)) v.push(e);
    expect(v.result()).toMatchObject({ ok: false, seq: 5n });
  });

  it('catches a rewritten chain that disagrees with a signed checkpoint', () => {
    const events = chain(3);
    const v = new ChainVerifier(undefined, [{ seq: 2n, hash: 'f'.repeat(64) }]);
    for (const e of events) v.push(e);
    expect(v.result()).toMatchObject({ ok: false, seq: 2n, kind: 'checkpoint_mismatch' });
  });
});
