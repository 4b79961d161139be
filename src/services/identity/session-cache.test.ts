import { describe, expect, it } from 'vitest';
import { LOCAL_HOLD_MS, SessionCache } from './session-cache.js';

function cacheAt(ttlMs = 2_000, maxEntries = 100) {
  const time = { now: 0 };
  const cache = new SessionCache<string>({ ttlMs, maxEntries, now: () => time.now });
  cache.setListening(true);
  return { cache, time };
}

describe('session cache', () => {
  it('serves an entry until its time to live is over', () => {
    const { cache, time } = cacheAt();
    cache.put('k', 'u1', 'session', cache.begin());
    expect(cache.get('k')).toBe('session');
    time.now = 1_999;
    expect(cache.get('k')).toBe('session');
    time.now = 2_000;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('serves nothing while it does not hear invalidations (a lost notification cannot matter)', () => {
    const { cache } = cacheAt();
    cache.put('k', 'u1', 'session', cache.begin());
    cache.setListening(false);
    expect(cache.get('k')).toBeUndefined();
    cache.put('k', 'u1', 'session', cache.begin());
    expect(cache.size).toBe(0);
    cache.setListening(true);
    expect(cache.get('k')).toBeUndefined();
  });

  it('is off with a time to live of 0', () => {
    const { cache } = cacheAt(0);
    cache.put('k', 'u1', 'session', cache.begin());
    expect(cache.active).toBe(false);
    expect(cache.get('k')).toBeUndefined();
  });

  it('revoked elsewhere: a notification drops every entry of that user and no other', () => {
    const { cache } = cacheAt();
    cache.put('a', 'u1', 'A', cache.begin());
    cache.put('b', 'u1', 'B', cache.begin());
    cache.put('c', 'u2', 'C', cache.begin());
    cache.invalidateUser('u1');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBe('C');
  });

  it('read before a revocation, stored after it: the stale row is not cached', () => {
    const { cache } = cacheAt();
    const generation = cache.begin(); // the database read starts
    cache.invalidateUser('u1'); // the revocation is heard while the read is in flight
    cache.put('a', 'u1', 'stale', generation);
    expect(cache.get('a')).toBeUndefined();
  });

  it('a local change keeps its user out of the cache until the commit is surely visible', () => {
    const { cache, time } = cacheAt();
    cache.put('a', 'u1', 'A', cache.begin());
    cache.hold('u1');
    expect(cache.get('a')).toBeUndefined();
    // A read that started after the hold but saw the row before the commit.
    cache.put('a', 'u1', 'pre-commit', cache.begin());
    expect(cache.get('a')).toBeUndefined();
    cache.put('x', 'u2', 'X', cache.begin());
    expect(cache.get('x')).toBe('X');
    time.now = LOCAL_HOLD_MS;
    cache.put('a', 'u1', 'fresh', cache.begin());
    expect(cache.get('a')).toBe('fresh');
  });

  it('stays within its size, dropping the oldest entry', () => {
    const { cache } = cacheAt(2_000, 3);
    for (const k of ['a', 'b', 'c', 'd']) cache.put(k, `u-${k}`, k, cache.begin());
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')).toBe('d');
  });

  it('update keeps the load time: a touched entry still expires on schedule', () => {
    const { cache, time } = cacheAt();
    cache.put('a', 'u1', 'v1', cache.begin());
    time.now = 1_500;
    cache.update('a', 'v2');
    expect(cache.get('a')).toBe('v2');
    time.now = 2_000;
    expect(cache.get('a')).toBeUndefined();
  });
});
