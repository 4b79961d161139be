import { describe, expect, it } from 'vitest';
import { U128_MAX } from '../../domain/reserves/encoding.js';
import { InputProblems, LiabilitiesCsvParser, parseAmountBytes, ReservesCsvParser } from './csv-input.js';
import { entryValue, LiabilityTableBuilder, userIdAt } from './liability-table.js';

const utf8 = new TextEncoder();

/** Feeds `text` in pieces of `piece` bytes (1 byte at a time tests every chunk boundary). */
function liabilities(text: string | Uint8Array, piece = 1 << 20) {
  const problems = new InputProblems();
  const builder = new LiabilityTableBuilder();
  const parser = new LiabilitiesCsvParser('l.csv', builder, problems);
  const bytes = typeof text === 'string' ? utf8.encode(text) : text;
  for (let i = 0; i < bytes.length; i += piece) parser.push(bytes.slice(i, i + piece));
  parser.end();
  return { problems, builder, parser };
}

function reserves(text: string) {
  const problems = new InputProblems();
  const parser = new ReservesCsvParser('r.csv', problems);
  parser.push(utf8.encode(text));
  parser.end();
  return { problems, reserves: parser.reserves };
}

const HEADER = 'user_id,asset,amount\n';

/** The single problem of a one-row file, at line 2. */
function problemOf(row: string): string {
  const { problems } = liabilities(`${HEADER}${row}\n`);
  expect(problems.count).toBe(1);
  expect(problems.listed[0]!.line).toBe(2);
  return problems.listed[0]!.message;
}

describe('liabilities CSV', () => {
  it('reads rows into per-asset entries, interning users and skipping zero amounts', () => {
    const text = `${HEADER}alice,BTC,150000000\nbob,BTC,0\nalice,ETH,${U128_MAX - 1n}\nbob,ETH,1\n`;
    for (const piece of [1, 3, 1 << 20]) {
      const { problems, builder, parser } = liabilities(text, piece);
      expect(problems.count).toBe(0);
      expect(parser.rows).toBe(4);
      expect(parser.zeroRows).toBe(1);
      const table = builder.freeze(['BTC', 'ETH']);
      expect(table.userCount).toBe(2);
      expect([0, 1].map((u) => userIdAt(table, u))).toEqual(['alice', 'bob']);
      const [btc, eth] = table.assets;
      expect(btc!.count).toBe(1);
      expect(entryValue(btc!.limbs, 0)).toBe(150000000n);
      expect(Array.from(eth!.users)).toEqual([0, 1]);
      expect(entryValue(eth!.limbs, 0)).toBe(U128_MAX - 1n);
      expect(eth!.total).toBe(U128_MAX);
      expect(Array.from(table.hasLeaf)).toEqual([1, 1]);
    }
  });

  it('accepts CRLF, a byte-order mark, blank lines and a last line without a line break', () => {
    const { problems, builder } = liabilities('\ufeffuser_id,asset,amount\r\n\r\nu1,BTC,5\r\n\nu2,BTC,6');
    expect(problems.count).toBe(0);
    expect(builder.freeze(['BTC']).assets[0]!.total).toBe(11n);
  });

  it('reads RFC 4180 quoted fields on one line', () => {
    const { problems, builder } = liabilities(`${HEADER}"a,b",BTC,5\n"say ""hi""","BTC","7"\n`);
    expect(problems.count).toBe(0);
    const table = builder.freeze(['BTC']);
    expect([0, 1].map((u) => userIdAt(table, u))).toEqual(['a,b', 'say "hi"']);
  });

  it('keeps user ids byte for byte, multi-byte UTF-8 included', () => {
    const { problems, builder } = liabilities(`${HEADER}zoë,BTC,1\n日本,BTC,2\n zoë,BTC,3\n`);
    expect(problems.count).toBe(0);
    const table = builder.freeze(['BTC']);
    expect([0, 1, 2].map((u) => userIdAt(table, u))).toEqual(['zoë', '日本', ' zoë']);
  });

  it('reports every bad amount with its line', () => {
    expect(problemOf('u,BTC,-5')).toBe('amount "-5" is negative');
    expect(problemOf('u,BTC,1.5')).toBe('amount "1.5" is not a whole number of the smallest unit');
    expect(problemOf('u,BTC,1e8')).toBe('amount "1e8" is not a whole number of the smallest unit');
    expect(problemOf('u,BTC,007')).toBe('amount "007" has leading zeros');
    expect(problemOf('u,BTC,00')).toBe('amount "00" has leading zeros');
    expect(problemOf(`u,BTC,${U128_MAX + 1n}`)).toBe(`amount "${U128_MAX + 1n}" is 2^128 or more`);
    expect(problemOf(`u,BTC,1${'0'.repeat(45)}`)).toMatch(/^amount "10+…" is 2\^128 or more$/);
    expect(problemOf('u,BTC,abc')).toBe('amount "abc" is not a decimal number');
    expect(problemOf('u,BTC,+5')).toBe('amount "+5" is not a decimal number');
    expect(problemOf('u,BTC, 5')).toBe('amount " 5" has spaces around it');
    expect(problemOf('u,BTC,')).toBe('the amount is empty');
  });

  it('reports bad user ids, bad assets and wrong field counts with their line', () => {
    expect(problemOf(',BTC,5')).toBe('the user id is empty');
    expect(problemOf(`${'é'.repeat(128)},BTC,5`)).toBe('the user id is longer than 255 bytes (256)');
    expect(problemOf('u,,5')).toBe('the asset is empty');
    expect(problemOf('u,../x,5')).toMatch(/^asset "..\/x" is not a valid name/);
    expect(problemOf('u,BTC')).toBe('expected 3 fields (user_id,asset,amount), found 2');
    expect(problemOf('u,BTC,5,extra')).toBe('expected 3 fields (user_id,asset,amount), found 4');
    expect(problemOf(',,x')).toBe(
      'the user id is empty; the asset is empty; amount "x" is not a decimal number',
    );
    expect(problemOf('"u,BTC,5')).toBe('a quoted field is not closed on its line');
    expect(problemOf('u"x,BTC,5')).toBe('a quote inside a field that does not start with a quote');
    expect(problemOf('"u"x,BTC,5')).toBe('a closing quote must end its field');
  });

  it('a 255-byte user id is accepted', () => {
    const { problems } = liabilities(`${HEADER}${'x'.repeat(255)},BTC,5\n`);
    expect(problems.count).toBe(0);
  });

  it('refuses a user id that is not valid UTF-8', () => {
    const bytes = new Uint8Array([...utf8.encode(HEADER), 0x75, 0xff, 0x2c, ...utf8.encode('BTC,5\n')]);
    const { problems } = liabilities(bytes);
    expect(problems.listed).toEqual([{ file: 'l.csv', line: 2, message: 'the user id is not valid UTF-8' }]);
  });

  it('refuses a second row for the same user and asset, a zero one included', () => {
    const { problems } = liabilities(`${HEADER}u1,BTC,0\nu2,BTC,5\nu1,ETH,5\nu1,BTC,7\nu2,BTC,5\n`);
    expect(problems.listed).toEqual([
      { file: 'l.csv', line: 5, message: 'a second BTC row for user "u1"' },
      { file: 'l.csv', line: 6, message: 'a second BTC row for user "u2"' },
    ]);
  });

  it('refuses a header other than user_id,asset,amount, and an empty file', () => {
    for (const header of ['user,asset,amount', 'asset,user_id,amount', 'user_id,asset,amount,note', '']) {
      const { problems } = liabilities(`${header}\nu,BTC,5\n`);
      expect(problems.listed[0]).toMatchObject({
        line: header ? 1 : 2,
        message: 'the header must be exactly user_id,asset,amount',
      });
    }
    expect(liabilities('').problems.listed).toEqual([
      {
        file: 'l.csv',
        line: 0,
        message: 'the file is empty; the header must be exactly user_id,asset,amount',
      },
    ]);
  });

  it('counts every problem but lists the first 50, saying how many more there are', () => {
    const rows = Array.from({ length: 120 }, (_, i) => `u${i},BTC,-1`).join('\n');
    const { problems } = liabilities(`${HEADER}${rows}\n`);
    expect(problems.count).toBe(120);
    const lines = problems.lines();
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe('l.csv:2: amount "-1" is negative');
    expect(lines[49]).toBe('l.csv:51: amount "-1" is negative');
    expect(lines[50]).toBe('… and 70 more problems');
  });

  it('keeps line numbers right across chunk boundaries and CRLF', () => {
    const text = `${HEADER}a,BTC,1\r\nb,BTC,x\r\n\r\nc,BTC,2\r\nd,BTC,-3\r\n`;
    for (const piece of [1, 2, 5, 7]) {
      const { problems } = liabilities(text, piece);
      expect(problems.listed.map((p) => p.line)).toEqual([3, 6]);
    }
  });
});

describe('reserves CSV', () => {
  it('reads one amount per asset', () => {
    const { problems, reserves: r } = reserves('asset,amount\nBTC,100\nETH,0\n');
    expect(problems.count).toBe(0);
    expect([...r].map(([a, l]) => [a, l.amount, l.line])).toEqual([
      ['BTC', 100n, 2],
      ['ETH', 0n, 3],
    ]);
  });

  it('reports a repeated asset with the line of the first, and bad rows with theirs', () => {
    const { problems } = reserves('asset,amount\nBTC,1\nETH,5.0\nBTC,2\nX/Y,1\nBTC\n');
    expect(problems.lines()).toEqual([
      'r.csv:3: amount "5.0" is not a whole number of the smallest unit',
      'r.csv:4: asset BTC is listed again (first at line 2)',
      "r.csv:5: asset \"X/Y\" is not a valid name (1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit)",
      'r.csv:6: expected 2 fields (asset,amount), found 1',
    ]);
  });

  it('refuses a wrong header', () => {
    expect(reserves('symbol,amount\nBTC,1\n').problems.lines()).toEqual([
      'r.csv:1: the header must be exactly asset,amount',
    ]);
  });
});

describe('parseAmountBytes', () => {
  const parse = (s: string) => parseAmountBytes(utf8.encode(s), 0, s.length);
  it('gives numbers below 10^15 and bigints above, up to 2^128 - 1', () => {
    expect(parse('0')).toBe(0);
    expect(parse('999999999999999')).toBe(999999999999999);
    expect(parse('1000000000000000')).toBe(1000000000000000n);
    expect(parse(U128_MAX.toString())).toBe(U128_MAX);
    expect(parse((U128_MAX + 1n).toString())).toMatch(/2\^128 or more/);
  });
});
