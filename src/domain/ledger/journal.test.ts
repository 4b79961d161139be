import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertBalanced, move, netChanges, settlement, unbalancedAssets } from './journal.js';

describe('journal', () => {
  it('a move is balanced; a lone or zero posting is refused', () => {
    expect(unbalancedAssets(move('a', 'b', 'BTC', 5n))).toEqual([]);
    expect(() => assertBalanced([{ accountId: 'a', asset: 'BTC', amount: 5n }])).toThrow(/two postings/);
    expect(() =>
      assertBalanced([
        { accountId: 'a', asset: 'BTC', amount: 5n },
        { accountId: 'b', asset: 'BTC', amount: -4n },
      ]),
    ).toThrow(/unbalanced: BTC 1/);
    expect(() => move('a', 'a', 'BTC', 1n)).toThrow();
    expect(() => move('a', 'b', 'BTC', 0n)).toThrow();
  });

  it('a settlement with a fee balances per asset', () => {
    const p = settlement(
      'cust',
      'trading',
      'fees',
      [
        { asset: 'BTC', amount: 100n },
        { asset: 'USDC', amount: -6_000n },
      ],
      { asset: 'USDC', amount: 6n },
    );
    expect(unbalancedAssets(p)).toEqual([]);
    expect(netChanges(p).find((x) => x.accountId === 'cust' && x.asset === 'USDC')?.amount).toBe(-6_006n);
  });

  it('net changes keep the sums and come in a fixed order (no lock-order deadlock)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            from: fc.constantFrom('a', 'b', 'c'),
            to: fc.constantFrom('a', 'b', 'c'),
            asset: fc.constantFrom('BTC', 'ETH'),
            amount: fc.bigInt({ min: 1n, max: 10n ** 30n }),
          }),
          { maxLength: 20 },
        ),
        (moves) => {
          const postings = moves
            .filter((m) => m.from !== m.to)
            .flatMap((m) => move(m.from, m.to, m.asset, m.amount));
          const net = netChanges(postings);
          expect(unbalancedAssets(net)).toEqual([]);
          const keys = net.map((p) => `${p.accountId}\u0000${p.asset}`);
          expect(keys).toEqual([...keys].sort());
        },
      ),
    );
  });
});
