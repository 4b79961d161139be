import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The audit log's hash chain (SPEC S7).
 *
 * Each event's hash is SHA-256 over the previous event's hash and the RFC 8785 canonical JSON of
 * the event's content. Changing, deleting or reordering any event changes every hash after it;
 * `ChainVerifier` walks the chain in `seq` order and names the first event that does not fit.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEventContent {
  readonly seq: bigint;
  readonly id: string;
  readonly at: Date;
  readonly type: string;
  readonly actor: string;
  readonly userId: string | null;
  readonly ip: string | null;
  readonly deviceId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface ChainedAuditEvent extends AuditEventContent {
  readonly prevHash: string;
  readonly hash: string;
}

/** The bytes that are hashed: what an independent verifier must reproduce. */
function toCanonicalObject(e: AuditEventContent) {
  return {
    seq: e.seq.toString(),
    id: e.id,
    at: e.at.toISOString(),
    type: e.type,
    actor: e.actor,
    userId: e.userId,
    ip: e.ip,
    deviceId: e.deviceId,
    data: e.data,
  };
}

export function canonicalEventJson(e: AuditEventContent): string {
  const json = canonicalize(toCanonicalObject(e));
  if (json === undefined) throw new TypeError('audit event cannot be canonicalised');
  return json;
}

const SEQ_MARK = '\u0000seq\u0000';
const SEQ_FIELD = `,"seq":"${JSON.stringify(SEQ_MARK).slice(1, -1)}","type":`;

/**
 * The canonical JSON of an event split around its sequence number, so that the database can
 * assign the number and hash the event in the same statement that takes the chain head:
 * `before + seq + after === canonicalEventJson(event)`.
 *
 * The split is at the top-level `seq` member, which JCS places after `ip` and before `type`;
 * `data` comes earlier, so the last occurrence of the marker is the top-level one.
 */
export function canonicalEventJsonAroundSeq(e: Omit<AuditEventContent, 'seq'>): {
  before: string;
  after: string;
} {
  const json = canonicalize({ ...toCanonicalObject({ ...e, seq: 0n }), seq: SEQ_MARK });
  if (json === undefined) throw new TypeError('audit event cannot be canonicalised');
  const at = json.lastIndexOf(SEQ_FIELD);
  if (at < 0) throw new Error('audit event layout changed: seq not found where JCS puts it');
  const markStart = at + ',"seq":"'.length;
  const markEnd = markStart + JSON.stringify(SEQ_MARK).length - 2;
  return { before: json.slice(0, markStart), after: json.slice(markEnd) };
}

export function hashEvent(prevHash: string, e: AuditEventContent): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalEventJson(e), 'utf8').digest('hex');
}

export type TamperKind = 'modified' | 'deleted' | 'reordered' | 'broken_link' | 'checkpoint_mismatch';

export type ChainVerdict =
  | { readonly ok: true; readonly count: number; readonly headSeq: bigint; readonly headHash: string }
  | {
      readonly ok: false;
      readonly count: number;
      readonly seq: bigint;
      readonly id: string | null;
      readonly kind: TamperKind;
      readonly message: string;
    };

/**
 * Verifies a chain fed event by event in the order the store returns them (by `seq`).
 * It stops at the first problem; later events are not judged.
 */
export class ChainVerifier {
  private expectedSeq: bigint;
  private prevHash: string;
  private count = 0;
  private failure: Extract<ChainVerdict, { ok: false }> | null = null;
  private readonly checkpoints: Map<bigint, string>;

  constructor(
    start: { seq: bigint; hash: string } = { seq: 0n, hash: GENESIS_HASH },
    checkpoints: ReadonlyArray<{ seq: bigint; hash: string }> = [],
  ) {
    this.expectedSeq = start.seq + 1n;
    this.prevHash = start.hash;
    this.checkpoints = new Map(checkpoints.map((c) => [c.seq, c.hash]));
  }

  /** Returns false once a problem has been found. */
  push(e: ChainedAuditEvent): boolean {
    if (this.failure) return false;
    const fail = (kind: TamperKind, message: string) => {
      this.failure = { ok: false, count: this.count, seq: e.seq, id: e.id, kind, message };
      return false;
    };
    if (e.seq < this.expectedSeq) {
      return fail('reordered', `event ${e.seq} appears after event ${this.expectedSeq - 1n}`);
    }
    if (e.seq > this.expectedSeq) {
      return fail('deleted', `event ${this.expectedSeq} is missing (next present is ${e.seq})`);
    }
    if (hashEvent(e.prevHash, e) !== e.hash) {
      return fail('modified', `event ${e.seq} does not match its own hash: its content was changed`);
    }
    if (e.prevHash !== this.prevHash) {
      return fail(
        'reordered',
        `event ${e.seq} does not link to the event before it: events were moved, replaced or removed`,
      );
    }
    const checkpoint = this.checkpoints.get(e.seq);
    if (checkpoint !== undefined && checkpoint !== e.hash) {
      return fail(
        'checkpoint_mismatch',
        `event ${e.seq} differs from the signed checkpoint at that position`,
      );
    }
    this.prevHash = e.hash;
    this.expectedSeq += 1n;
    this.count += 1;
    return true;
  }

  /** The verdict so far; `head` is the chain tip the store claims, to catch a truncated tail. */
  result(head?: { seq: bigint; hash: string }): ChainVerdict {
    if (this.failure) return this.failure;
    const lastSeq = this.expectedSeq - 1n;
    if (head && (head.seq !== lastSeq || head.hash !== this.prevHash)) {
      return {
        ok: false,
        count: this.count,
        seq: lastSeq + 1n,
        id: null,
        kind: 'deleted',
        message: `the chain ends at event ${lastSeq} but its head records event ${head.seq}: events after ${lastSeq} were removed`,
      };
    }
    for (const [seq] of this.checkpoints) {
      if (seq > lastSeq) {
        return {
          ok: false,
          count: this.count,
          seq,
          id: null,
          kind: 'deleted',
          message: `a signed checkpoint covers event ${seq}, but the chain ends at event ${lastSeq}`,
        };
      }
    }
    return { ok: true, count: this.count, headSeq: lastSeq, headHash: this.prevHash };
  }
}
