import { U128_MAX } from '../../domain/reserves/encoding.js';

/**
 * A snapshot's liabilities held compactly enough for ten million entries: no object per row.
 *
 * - User ids are interned: user `u` is the `lp()` record (length byte, then UTF-8 bytes) at
 *   `userIds[userStart[u], userStart[u + 1])`, so `lp(user_id)` is a subarray and never re-encoded.
 * - Each asset keeps its non-zero entries in input order: entry `e` is user `users[e]` owing the
 *   128-bit value whose four 32-bit limbs, most significant first, are `limbs[4e .. 4e + 3]`.
 *
 * Every array lives in a SharedArrayBuffer, so worker threads read it without a copy.
 */
export interface LiabilityTable {
  readonly userCount: number;
  readonly userIds: Uint8Array;
  readonly userStart: Uint32Array;
  /** 1 for a user with at least one non-zero entry (who needs a salt and a commitment). */
  readonly hasLeaf: Uint8Array;
  readonly assets: readonly AssetColumn[];
}

export interface AssetColumn {
  readonly asset: string;
  /** Entries with a non-zero liability: the tree's leaves. */
  readonly count: number;
  readonly users: Uint32Array;
  readonly limbs: Uint32Array;
  /** The sum of the entries; `overflowingAssets()` names an asset whose sum reaches 2^128. */
  readonly total: bigint;
}

const TWO_32 = 2 ** 32;
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** The user id of user `u`, as a string. */
export function userIdAt(table: Pick<LiabilityTable, 'userIds' | 'userStart'>, u: number): string {
  const at = table.userStart[u]!;
  return utf8Decoder.decode(table.userIds.subarray(at + 1, at + 1 + table.userIds[at]!));
}

/** The value of entry `e` of a column. */
export function entryValue(limbs: Uint32Array, e: number): bigint {
  const l0 = limbs[4 * e]!;
  const l1 = limbs[4 * e + 1]!;
  const l2 = limbs[4 * e + 2]!;
  const l3 = limbs[4 * e + 3]!;
  if (l0 === 0 && l1 === 0 && l2 < 0x20_0000) return BigInt(l2 * TWO_32 + l3);
  return (BigInt(l0) << 96n) | (BigInt(l1) << 64n) | (BigInt(l2) << 32n) | BigInt(l3);
}

/** The value of entry `e` as the format writes it: decimal digits. */
export function entryDecimal(limbs: Uint32Array, e: number): string {
  const l2 = limbs[4 * e + 2]!;
  if (limbs[4 * e] === 0 && limbs[4 * e + 1] === 0 && l2 < 0x20_0000) {
    return (l2 * TWO_32 + limbs[4 * e + 3]!).toString();
  }
  return entryValue(limbs, e).toString();
}

/**
 * A growable Uint32Array in shared memory. Capacity is reserved generously: pages never written
 * are never given memory by the operating system, so reserving costs nothing, while growing
 * copies (and, on a virtual machine, a first write to a fresh page is costly). `view()` is the
 * written part, with no copy.
 */
class SharedU32 {
  data: Uint32Array;
  length = 0;

  constructor(capacity: number) {
    this.data = new Uint32Array(new SharedArrayBuffer(4 * Math.max(16, capacity)));
  }

  ensure(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint32Array(new SharedArrayBuffer(4 * size));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}

class ColumnBuilder {
  readonly users: SharedU32;
  readonly limbs: SharedU32;
  /** One bit per user: whether the asset has a row (zero or not) for them already. */
  seen = new Uint8Array(1024);
  private small = 0;
  private large = 0n;
  overflowed = false;

  constructor(
    readonly asset: string,
    readonly bytes: Uint8Array,
    /** The first line that named the asset, for messages. */
    readonly firstLine: number,
    capacity: number,
  ) {
    this.users = new SharedU32(capacity);
    this.limbs = new SharedU32(4 * capacity);
  }

  /** Marks user `u`; false when the user has a row for this asset already. */
  mark(u: number): boolean {
    const byte = u >>> 3;
    if (byte >= this.seen.length) {
      const next = new Uint8Array(Math.max(this.seen.length * 2, byte + 1));
      next.set(this.seen);
      this.seen = next;
    }
    const bit = 1 << (u & 7);
    if (this.seen[byte]! & bit) return false;
    this.seen[byte]! |= bit;
    return true;
  }

  /** Adds a value below 2^50 (fifteen digits at most): the common case, with no bigint. */
  addSmall(u: number, v: number): void {
    this.users.ensure(1);
    this.limbs.ensure(4);
    const e = this.users.length++;
    const l = this.limbs.data;
    l[4 * e] = 0;
    l[4 * e + 1] = 0;
    l[4 * e + 2] = Math.floor(v / TWO_32);
    l[4 * e + 3] = v >>> 0;
    this.limbs.length += 4;
    this.users.data[e] = u;
    // Stays an exact double: below 2^52 before the addition, below 2^50 added.
    if (this.small >= 2 ** 52) this.flushSmall();
    this.small += v;
  }

  addLarge(u: number, v: bigint): void {
    this.users.ensure(1);
    this.limbs.ensure(4);
    const e = this.users.length++;
    const l = this.limbs.data;
    l[4 * e] = Number((v >> 96n) & 0xffff_ffffn);
    l[4 * e + 1] = Number((v >> 64n) & 0xffff_ffffn);
    l[4 * e + 2] = Number((v >> 32n) & 0xffff_ffffn);
    l[4 * e + 3] = Number(v & 0xffff_ffffn);
    this.limbs.length += 4;
    this.users.data[e] = u;
    this.large += v;
    if (this.large > U128_MAX) this.overflowed = true;
  }

  private flushSmall(): void {
    this.large += BigInt(this.small);
    this.small = 0;
    if (this.large > U128_MAX) this.overflowed = true;
  }

  total(): bigint {
    this.flushSmall();
    return this.large;
  }
}

/**
 * Collects liabilities row by row (from a CSV file or a database cursor), interning user ids and
 * refusing a second row for the same user and asset. Amounts must already be valid (0 to 2^128-1);
 * zeros are remembered for duplicate detection but get no entry, as the format gives leaves to
 * non-zero liabilities only.
 */
export class LiabilityTableBuilder {
  private ids: Uint8Array;
  private idsLength = 0;
  private readonly starts: SharedU32;
  /** Open addressing: user index + 1 (0 is an empty slot), and each user's hash for rehashing. */
  private table = new Int32Array(1 << 12);
  private readonly hashes: SharedU32;
  private readonly capacity: number;
  private readonly columns: ColumnBuilder[] = [];
  private readonly columnByName = new Map<string, ColumnBuilder>();
  private lastColumn: ColumnBuilder | undefined;

  /**
   * `expectedRows` sizes the shared arrays up front (see `SharedU32`); `idBytes` bounds the bytes of
   * all user ids (a file's size does: every id is in it, followed by a comma).
   */
  constructor(options: { expectedRows?: number; idBytes?: number } = {}) {
    this.capacity = Math.min(options.expectedRows ?? 1024, 1 << 26);
    this.ids = new Uint8Array(new SharedArrayBuffer(Math.max(1 << 16, options.idBytes ?? 0)));
    this.starts = new SharedU32(this.capacity + 1);
    this.hashes = new SharedU32(this.capacity);
  }

  get userCount(): number {
    return this.starts.length;
  }

  /**
   * The index of the user whose UTF-8 id is `bytes[start, end)` (1 to 255 bytes, checked by the
   * caller), adding the user when new.
   */
  internUser(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    const mask = this.table.length - 1;
    h >>>= 0;
    let slot = h & mask;
    for (;;) {
      const u1 = this.table[slot]!;
      if (u1 === 0) break;
      const at = this.starts.data[u1 - 1]!;
      if (this.ids[at] === length && sameBytes(this.ids, at + 1, bytes, start, length)) return u1 - 1;
      slot = (slot + 1) & mask;
    }
    const u = this.starts.length;
    if (u >= 0x7fff_fffe) throw new RangeError('too many users');
    if (this.idsLength + length + 1 > this.ids.length) {
      const next = new Uint8Array(
        new SharedArrayBuffer(Math.max(this.ids.length * 2, this.idsLength + length + 1)),
      );
      next.set(this.ids.subarray(0, this.idsLength));
      this.ids = next;
    }
    this.ids[this.idsLength] = length;
    for (let i = 0; i < length; i++) this.ids[this.idsLength + 1 + i] = bytes[start + i]!;
    this.starts.ensure(1);
    this.starts.data[this.starts.length++] = this.idsLength;
    this.hashes.ensure(1);
    this.hashes.data[this.hashes.length++] = h;
    this.idsLength += length + 1;
    this.table[slot] = u + 1;
    if (this.starts.length * 2 > this.table.length) this.rehash();
    return u;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    const hashes = this.hashes.data;
    for (let u = 0; u < this.starts.length; u++) {
      let slot = hashes[u]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = u + 1;
    }
    this.table = table;
  }

  /** The column of the asset whose name is `bytes[start, end)` (already validated), or undefined. */
  findColumn(bytes: Uint8Array, start: number, end: number): ColumnBuilder | undefined {
    const last = this.lastColumn;
    if (last && last.bytes.length === end - start && sameBytes(last.bytes, 0, bytes, start, end - start)) {
      return last;
    }
    for (const c of this.columns) {
      if (c.bytes.length === end - start && sameBytes(c.bytes, 0, bytes, start, end - start)) {
        this.lastColumn = c;
        return c;
      }
    }
    return undefined;
  }

  addColumn(asset: string, firstLine: number): ColumnBuilder {
    const existing = this.columnByName.get(asset);
    if (existing) return existing;
    // Any asset may hold every row; beyond 4M entries a column grows by doubling instead, so that
    // many assets do not reserve (virtual) memory for the whole file each.
    const capacity = Math.min(this.capacity, 1 << 22);
    const column = new ColumnBuilder(asset, utf8Encoder.encode(asset), firstLine, capacity);
    this.columns.push(column);
    this.columnByName.set(asset, column);
    this.lastColumn = column;
    return column;
  }

  /** The assets named so far, with the first line that named each. */
  assetLines(): { asset: string; firstLine: number }[] {
    return this.columns.map((c) => ({ asset: c.asset, firstLine: c.firstLine }));
  }

  /** The assets whose entries add up to 2^128 or more. */
  overflowingAssets(): string[] {
    return this.columns.filter((c) => c.overflowed || c.total() > U128_MAX).map((c) => c.asset);
  }

  /**
   * One row from a source other than a file (e.g. the ledger); throws on a bad row, since such a
   * source is trusted to be well formed. Returns false for a second row of the same user and asset.
   */
  addRow(userId: string, asset: string, amount: bigint): boolean {
    if (amount < 0n || amount > U128_MAX) throw new RangeError(`${asset}: amount out of range`);
    const bytes = utf8Encoder.encode(userId);
    if (bytes.length < 1 || bytes.length > 255) throw new RangeError('a user id is 1 to 255 bytes');
    const u = this.internUser(bytes, 0, bytes.length);
    const column = this.columnByName.get(asset) ?? this.addColumn(asset, 0);
    if (!column.mark(u)) return false;
    if (amount === 0n) return true;
    if (amount < 2n ** 50n) column.addSmall(u, Number(amount));
    else column.addLarge(u, amount);
    return true;
  }

  /**
   * The finished table, in shared memory, with `assets` (names) in the given order; an asset
   * without rows gets an empty column.
   */
  freeze(assets: readonly string[]): LiabilityTable {
    this.starts.ensure(1);
    this.starts.data[this.starts.length] = this.idsLength;
    const userStart = this.starts.data.subarray(0, this.starts.length + 1);
    const hasLeaf = new Uint8Array(new SharedArrayBuffer(this.starts.length));
    for (const c of this.columns) {
      const users = c.users.data;
      for (let e = 0; e < c.users.length; e++) hasLeaf[users[e]!] = 1;
    }
    return {
      userCount: this.starts.length,
      userIds: this.ids.subarray(0, this.idsLength),
      userStart,
      hasLeaf,
      assets: assets.map((asset): AssetColumn => {
        const c = this.columnByName.get(asset);
        if (!c) {
          return {
            asset,
            count: 0,
            users: new Uint32Array(new SharedArrayBuffer(0)),
            limbs: new Uint32Array(new SharedArrayBuffer(0)),
            total: 0n,
          };
        }
        return {
          asset,
          count: c.users.length,
          users: c.users.view(),
          limbs: c.limbs.view(),
          total: c.total(),
        };
      }),
    };
  }
}

export type { ColumnBuilder };

function sameBytes(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}
