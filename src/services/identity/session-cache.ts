/**
 * A short-lived, in-process cache of live sessions, keyed by the token's SHA-256.
 *
 * Why it is safe: an entry is only served while the process hears every invalidation. The
 * database announces each change that can end or alter a session (revocation, token rotation,
 * step-up, account lock, hard lock, email change) with a NOTIFY from a trigger, on commit, to every
 * node; this process also drops a user's entries itself, inside the transaction that makes the
 * change, and refuses to cache that user again until the change is surely visible. While the
 * listening connection is down the cache is empty and unused, so a lost notification can never
 * leave a revoked session alive. The time-to-live bounds what any missed path could cost.
 *
 * Only live sessions are cached (a miss or a dead session always goes to the database), and every
 * expiry check (idle, absolute) is made on each request against the cached timestamps.
 */
export interface SessionCacheOptions {
  /** How long an entry may be served; 0 turns the cache off. */
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** Monotonic milliseconds (performance.now in production). */
  readonly now?: () => number;
}

/** How long a local change keeps its user out of the cache: far longer than a commit takes. */
export const LOCAL_HOLD_MS = 5_000;

interface Entry<T> {
  readonly value: T;
  readonly userId: string;
  readonly loadedAt: number;
}

export class SessionCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly keysByUser = new Map<string, Set<string>>();
  private readonly heldUntil = new Map<string, number>();
  private generation = 0;
  private listening = false;
  private readonly now: () => number;

  constructor(private readonly options: SessionCacheOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** True when entries may be served: configured on and hearing invalidations. */
  get active(): boolean {
    return this.listening && this.options.ttlMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Called when the invalidation listener is (re)connected or lost: either way, start empty. */
  setListening(listening: boolean): void {
    this.listening = listening;
    this.clear();
  }

  /** The generation to pass to `put`: read it before the database read the entry comes from. */
  begin(): number {
    return this.generation;
  }

  get(key: string): T | undefined {
    if (!this.active) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.loadedAt >= this.options.ttlMs) {
      this.remove(key, entry.userId);
      return undefined;
    }
    return entry.value;
  }

  /**
   * Stores a value read from the database, unless anything was invalidated since `generation`
   * was taken (the read may predate that change) or the user is held by a local change.
   */
  put(key: string, userId: string, value: T, generation: number): void {
    if (!this.active || generation !== this.generation) return;
    const held = this.heldUntil.get(userId);
    if (held !== undefined) {
      if (this.now() < held) return;
      this.heldUntil.delete(userId);
    }
    this.remove(key, this.entries.get(key)?.userId);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.remove(oldest.value, this.entries.get(oldest.value)?.userId);
    }
    this.entries.set(key, { value, userId, loadedAt: this.now() });
    let keys = this.keysByUser.get(userId);
    if (!keys) this.keysByUser.set(userId, (keys = new Set()));
    keys.add(key);
  }

  /** Replaces a cached value in place (the idle clock moved); keeps its load time. */
  update(key: string, value: T): void {
    const entry = this.entries.get(key);
    if (entry) this.entries.set(key, { ...entry, value });
  }

  /** A notification from the database: the user's sessions changed somewhere. */
  invalidateUser(userId: string): void {
    this.generation++;
    const keys = this.keysByUser.get(userId);
    if (!keys) return;
    for (const key of keys) this.entries.delete(key);
    this.keysByUser.delete(userId);
  }

  /**
   * A change made by this process, called inside its transaction: drops the user's entries and
   * keeps the user out of the cache until the commit is surely visible to every later read.
   */
  hold(userId: string): void {
    this.invalidateUser(userId);
    if (this.options.ttlMs <= 0) return;
    const now = this.now();
    if (this.heldUntil.size >= this.options.maxEntries) {
      for (const [user, until] of this.heldUntil) if (until <= now) this.heldUntil.delete(user);
    }
    this.heldUntil.set(userId, now + LOCAL_HOLD_MS);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.keysByUser.clear();
  }

  private remove(key: string, userId: string | undefined): void {
    if (!this.entries.delete(key) || userId === undefined) return;
    const keys = this.keysByUser.get(userId);
    keys?.delete(key);
    if (keys?.size === 0) this.keysByUser.delete(userId);
  }
}
