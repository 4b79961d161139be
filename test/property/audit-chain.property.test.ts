import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChainedAuditEvent,
  ChainVerifier,
  GENESIS_HASH,
  hashEvent,
} from '../../src/domain/audit/hash-chain.js';

const eventData = fc.dictionary(
  fc.string({ maxLength: 8 }),
  fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()),
  {
    maxKeys: 4,
  },
);

function build(datas: Record<string, unknown>[]): ChainedAuditEvent[] {
  let prev = GENESIS_HASH;
  return datas.map((data, i) => {
    const e = {
      seq: BigInt(i + 1),
      id: `id-${i}`,
      at: new Date(1_700_000_000_000 + i * 1000),
      type: 't',
      actor: 'system',
      userId: null,
      ip: null,
      deviceId: null,
      data,
    };
    const hash = hashEvent(prev, e);
    const out = { ...e, prevHash: prev, hash };
    prev = hash;
    return out;
  });
}

function firstBad(events: ChainedAuditEvent[], head: ChainedAuditEvent) {
  const v = new ChainVerifier();
  for (const e of events) if (!v.push(e)) break;
  return v.result({ seq: head.seq, hash: head.hash });
}

describe('property: any single tampering is detected at or before the tampered position', () => {
  it('modification, deletion and swap', () => {
    fc.assert(
      fc.property(
        fc.array(eventData, { minLength: 2, maxLength: 30 }),
        fc.nat(),
        fc.constantFrom('modify', 'delete', 'swap'),
        (datas, pick, kind) => {
          const events = build(datas);
          const head = events[events.length - 1]!;
          expect(firstBad(events, head).ok).toBe(true);
          const i = pick % (events.length - 1);
          const t = [...events];
          if (kind === 'modify') t[i] = { ...t[i]!, data: { ...t[i]!.data, tampered: true } };
          if (kind === 'delete') t.splice(i, 1);
          if (kind === 'swap')
            [t[i], t[i + 1]] = [
              { ...t[i + 1]!, seq: t[i]!.seq },
              { ...t[i]!, seq: t[i + 1]!.seq },
            ];
          const v = firstBad(t, head);
          expect(v.ok).toBe(false);
          if (!v.ok) expect(v.seq).toBeLessThanOrEqual(BigInt(i + 2));
        },
      ),
      { numRuns: 300 },
    );
  });
});
