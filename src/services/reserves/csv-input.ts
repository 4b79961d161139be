import { open } from 'node:fs/promises';
import { U128_MAX } from '../../domain/reserves/encoding.js';
import { type LiabilityTableBuilder } from './liability-table.js';

/**
 * The CSV inputs of an offline proof-of-reserves build, read as a stream of bytes:
 *
 * - liabilities: header `user_id,asset,amount`, one row per user and asset;
 * - reserves: header `asset,amount`, one row per asset.
 *
 * Amounts are canonical decimal integers in the asset's smallest unit (digits only, no leading
 * zero, below 2^128). Fields may be double-quoted as in RFC 4180 (`""` for a quote inside), but a
 * line break inside a field is refused. Lines end with LF or CRLF; empty lines are skipped; a UTF-8
 * byte-order mark before the header is ignored. A zero liability is valid and gets no leaf.
 *
 * Every bad row is reported with its file and line; none stops the reading, so one run lists them.
 */

export interface InputProblem {
  readonly file: string;
  /** 1-based; 0 when the problem concerns the whole file. */
  readonly line: number;
  readonly message: string;
}

/** Problems found in the inputs: the first `cap` kept to be listed, all of them counted. */
export class InputProblems {
  readonly listed: InputProblem[] = [];
  count = 0;

  constructor(readonly cap = 50) {}

  add(file: string, line: number, message: string): void {
    this.count++;
    if (this.listed.length < this.cap) this.listed.push({ file, line, message });
  }

  /** The lines to print: `file:line: message`, then how many more were not listed. */
  lines(): string[] {
    const out = this.listed.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
    if (this.count > this.listed.length) out.push(`… and ${this.count - this.listed.length} more problems`);
    return out;
  }
}

const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const ZERO = 0x30;
const NINE = 0x39;
const MAX_FIELDS = 8;

const latin1 = new TextDecoder('latin1');
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder('utf-8', { ignoreBOM: true });

/** A line's fields: field `i` is `bytes[at[2i], at[2i+1])`. */
interface Fields {
  bytes: Uint8Array;
  count: number;
  at: Int32Array;
  /** A problem with the quoting, when there is one. */
  quoteProblem?: string;
}

/**
 * Splits the lines of a byte stream, whatever the chunk boundaries, and the fields of each line.
 * Subclasses see every non-empty line with its 1-based number.
 */
abstract class CsvLineReader {
  private carry: Uint8Array | undefined;
  private lineNo = 0;
  private readonly fields: Fields = {
    bytes: new Uint8Array(0),
    count: 0,
    at: new Int32Array(2 * MAX_FIELDS),
  };
  private scratch = new Uint8Array(1024);

  /** Feeds the next bytes; `chunk` may be reused by the caller afterwards. */
  push(chunk: Uint8Array): void {
    let pos = 0;
    if (this.carry) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.carry = concat(this.carry, chunk);
        return;
      }
      const joined = concat(this.carry, chunk.subarray(0, nl));
      this.carry = undefined;
      this.line(joined, 0, joined.length);
      pos = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) break;
      this.line(chunk, pos, nl);
      pos = nl + 1;
    }
    if (pos < chunk.length) this.carry = chunk.slice(pos);
  }

  /** Ends the stream: a last line without a line break is still a line. */
  end(): void {
    if (this.carry) {
      const last = this.carry;
      this.carry = undefined;
      this.line(last, 0, last.length);
    }
    this.finish(this.lineNo);
  }

  private line(buf: Uint8Array, start: number, end: number): void {
    const n = ++this.lineNo;
    if (end > start && buf[end - 1] === CR) end--;
    if (
      n === 1 &&
      end - start >= 3 &&
      buf[start] === 0xef &&
      buf[start + 1] === 0xbb &&
      buf[start + 2] === 0xbf
    ) {
      start += 3;
    }
    if (end === start) return;
    this.onLine(this.split(buf, start, end), n);
  }

  /** Splits on commas; a line holding a quote takes the slower RFC 4180 path. */
  private split(buf: Uint8Array, start: number, end: number): Fields {
    const f = this.fields;
    f.bytes = buf;
    f.quoteProblem = undefined;
    let count = 0;
    let fieldStart = start;
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      if (b === COMMA) {
        if (count < MAX_FIELDS) {
          f.at[2 * count] = fieldStart;
          f.at[2 * count + 1] = i;
        }
        count++;
        fieldStart = i + 1;
      } else if (b === QUOTE) {
        return this.splitQuoted(buf, start, end);
      }
    }
    if (count < MAX_FIELDS) {
      f.at[2 * count] = fieldStart;
      f.at[2 * count + 1] = end;
    }
    f.count = count + 1;
    return f;
  }

  private splitQuoted(buf: Uint8Array, start: number, end: number): Fields {
    const f = this.fields;
    if (this.scratch.length < end - start) this.scratch = new Uint8Array(2 * (end - start));
    const out = this.scratch;
    f.bytes = out;
    let w = 0;
    let count = 0;
    let i = start;
    for (;;) {
      const fieldStart = w;
      if (buf[i] === QUOTE && i < end) {
        i++;
        for (;;) {
          if (i >= end) {
            f.quoteProblem = 'a quoted field is not closed on its line';
            break;
          }
          if (buf[i] === QUOTE) {
            if (buf[i + 1] === QUOTE && i + 1 < end) {
              out[w++] = QUOTE;
              i += 2;
              continue;
            }
            i++;
            break;
          }
          out[w++] = buf[i++]!;
        }
        if (!f.quoteProblem && i < end && buf[i] !== COMMA) {
          f.quoteProblem = 'a closing quote must end its field';
        }
      } else {
        while (i < end && buf[i] !== COMMA) {
          if (buf[i] === QUOTE) f.quoteProblem ??= 'a quote inside a field that does not start with a quote';
          out[w++] = buf[i++]!;
        }
      }
      if (count < MAX_FIELDS) {
        f.at[2 * count] = fieldStart;
        f.at[2 * count + 1] = w;
      }
      count++;
      if (f.quoteProblem) break;
      if (i < end && buf[i] === COMMA) {
        i++;
        continue;
      }
      break;
    }
    f.count = count;
    return f;
  }

  protected abstract onLine(fields: Fields, line: number): void;
  protected abstract finish(lines: number): void;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function fieldText(f: Fields, i: number): string {
  return utf8Lenient.decode(f.bytes.subarray(f.at[2 * i]!, f.at[2 * i + 1]!));
}

/** A field shown in a message: JSON-quoted, cut at 40 characters. */
export function shown(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

function headerMatches(f: Fields, names: readonly string[]): boolean {
  if (f.count !== names.length || f.quoteProblem) return false;
  return names.every((name, i) => fieldText(f, i) === name);
}

/**
 * Reads an amount field: a number when below 10^15 (no bigint on the common path), a bigint
 * otherwise, or a string saying what is wrong with it.
 */
export function parseAmountBytes(bytes: Uint8Array, start: number, end: number): number | bigint | string {
  const length = end - start;
  if (length === 0) return 'the amount is empty';
  let v = 0;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b < ZERO || b > NINE) return amountProblem(latin1.decode(bytes.subarray(start, end)));
    v = v * 10 + (b - ZERO);
  }
  if (bytes[start] === ZERO && length > 1) {
    return `amount ${shown(latin1.decode(bytes.subarray(start, end)))} has leading zeros`;
  }
  if (length <= 15) return v;
  const text = latin1.decode(bytes.subarray(start, end));
  if (length > 39) return `amount ${shown(text)} is 2^128 or more`;
  const big = BigInt(text);
  return big > U128_MAX ? `amount ${shown(text)} is 2^128 or more` : big;
}

function amountProblem(text: string): string {
  const t = shown(text);
  if (/^-/.test(text)) return `amount ${t} is negative`;
  if (/^[+-]?[0-9]*[.,eE]/.test(text) && /[0-9]/.test(text)) {
    return `amount ${t} is not a whole number of the smallest unit`;
  }
  if (/^\s|\s$/.test(text)) return `amount ${t} has spaces around it`;
  return `amount ${t} is not a decimal number`;
}

/** Asset names are also file names (proofs/<ASSET>.jsonl): letters, digits, '.', '_', '-'. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function assetNameProblem(name: string): string | undefined {
  if (name === '') return 'the asset is empty';
  if (!ASSET_NAME.test(name)) {
    return `asset ${shown(name)} is not a valid name (1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit)`;
  }
  return undefined;
}

const LIABILITY_HEADER = ['user_id', 'asset', 'amount'] as const;

/** Streams `user_id,asset,amount` rows into a `LiabilityTableBuilder`, reporting bad rows. */
export class LiabilitiesCsvParser extends CsvLineReader {
  rows = 0;
  zeroRows = 0;
  private headerSeen = false;
  private headerBad = false;

  constructor(
    readonly file: string,
    private readonly table: LiabilityTableBuilder,
    private readonly problems: InputProblems,
  ) {
    super();
  }

  protected onLine(f: Fields, line: number): void {
    if (!this.headerSeen) {
      this.headerSeen = true;
      if (!headerMatches(f, LIABILITY_HEADER)) {
        this.headerBad = true;
        this.problems.add(this.file, line, `the header must be exactly ${LIABILITY_HEADER.join(',')}`);
      }
      return;
    }
    if (this.headerBad) return;
    this.rows++;
    if (f.quoteProblem) return this.problems.add(this.file, line, f.quoteProblem);
    if (f.count !== 3) {
      return this.problems.add(this.file, line, `expected 3 fields (user_id,asset,amount), found ${f.count}`);
    }
    const b = f.bytes;
    const at = f.at;
    // 1. The user id: 1 to 255 bytes of valid UTF-8.
    const uStart = at[0]!;
    const uEnd = at[1]!;
    let problem: string | undefined;
    if (uEnd === uStart) problem = 'the user id is empty';
    else if (uEnd - uStart > 255) problem = `the user id is longer than 255 bytes (${uEnd - uStart})`;
    else if (!isAscii(b, uStart, uEnd) && !isUtf8(b, uStart, uEnd))
      problem = 'the user id is not valid UTF-8';
    // 2. The asset: a known column, or a valid new name.
    let column = this.table.findColumn(b, at[2]!, at[3]!);
    if (!column) {
      const name = fieldText(f, 1);
      const bad = isUtf8(b, at[2]!, at[3]!) ? assetNameProblem(name) : 'the asset is not valid UTF-8';
      if (bad) problem = problem ? `${problem}; ${bad}` : bad;
      else column = this.table.addColumn(name, line);
    }
    // 3. The amount.
    const amount = parseAmountBytes(b, at[4]!, at[5]!);
    if (typeof amount === 'string') problem = problem ? `${problem}; ${amount}` : amount;
    if (problem !== undefined || !column) return this.problems.add(this.file, line, problem ?? 'bad row');
    // 4. One row per user and asset.
    const u = this.table.internUser(b, uStart, uEnd);
    if (!column.mark(u)) {
      const user = utf8Lenient.decode(b.subarray(uStart, uEnd));
      return this.problems.add(this.file, line, `a second ${column.asset} row for user ${shown(user)}`);
    }
    if (amount === 0) this.zeroRows++;
    else if (typeof amount === 'number') column.addSmall(u, amount);
    else column.addLarge(u, amount as bigint);
  }

  protected finish(): void {
    if (!this.headerSeen) {
      this.problems.add(
        this.file,
        0,
        `the file is empty; the header must be exactly ${LIABILITY_HEADER.join(',')}`,
      );
    }
  }
}

export interface ReserveLine {
  readonly amount: bigint;
  readonly line: number;
}

const RESERVE_HEADER = ['asset', 'amount'] as const;

/** Reads `asset,amount` rows: one per asset. */
export class ReservesCsvParser extends CsvLineReader {
  readonly reserves = new Map<string, ReserveLine>();
  /** Valid asset names of rows refused for another reason (so they are not reported missing). */
  readonly namedInBadRows = new Set<string>();
  private headerSeen = false;
  private headerBad = false;

  constructor(
    readonly file: string,
    private readonly problems: InputProblems,
  ) {
    super();
  }

  protected onLine(f: Fields, line: number): void {
    if (!this.headerSeen) {
      this.headerSeen = true;
      if (!headerMatches(f, RESERVE_HEADER)) {
        this.headerBad = true;
        this.problems.add(this.file, line, `the header must be exactly ${RESERVE_HEADER.join(',')}`);
      }
      return;
    }
    if (this.headerBad) return;
    if (f.quoteProblem) return this.problems.add(this.file, line, f.quoteProblem);
    if (f.count !== 2)
      return this.problems.add(this.file, line, `expected 2 fields (asset,amount), found ${f.count}`);
    const name = fieldText(f, 0);
    const problems: string[] = [];
    const bad = isUtf8(f.bytes, f.at[0]!, f.at[1]!) ? assetNameProblem(name) : 'the asset is not valid UTF-8';
    if (bad) problems.push(bad);
    const amount = parseAmountBytes(f.bytes, f.at[2]!, f.at[3]!);
    if (typeof amount === 'string') problems.push(amount);
    if (problems.length) {
      if (!bad) this.namedInBadRows.add(name);
      return this.problems.add(this.file, line, problems.join('; '));
    }
    const first = this.reserves.get(name);
    if (first)
      return this.problems.add(
        this.file,
        line,
        `asset ${name} is listed again (first at line ${first.line})`,
      );
    this.reserves.set(name, { amount: BigInt(amount), line });
  }

  protected finish(): void {
    if (!this.headerSeen) {
      this.problems.add(
        this.file,
        0,
        `the file is empty; the header must be exactly ${RESERVE_HEADER.join(',')}`,
      );
    }
  }
}

function isAscii(b: Uint8Array, start: number, end: number): boolean {
  let high = 0;
  for (let i = start; i < end; i++) high |= b[i]!;
  return high < 0x80;
}

function isUtf8(b: Uint8Array, start: number, end: number): boolean {
  if (isAscii(b, start, end)) return true;
  try {
    utf8Strict.decode(b.subarray(start, end));
    return true;
  } catch {
    return false;
  }
}

/** Thrown when an input file cannot be read at all; the message names the file. */
export class InputFileError extends Error {
  override readonly name = 'InputFileError';
}

/**
 * Feeds a file to a parser in 1 MiB reads, reporting the bytes read so far. Only one read buffer
 * is ever allocated: the parsers copy what they keep.
 */
export async function feedFile(
  file: string,
  parser: { push(chunk: Uint8Array): void; end(): void },
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new InputFileError(`cannot read ${file}: ${describeFsError(err)}`);
  }
  try {
    const { size } = await handle.stat();
    const buffer = new Uint8Array(1 << 20);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      parser.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      onProgress?.(total, size);
    }
    parser.end();
  } catch (err) {
    if (err instanceof InputFileError) throw err;
    if ((err as NodeJS.ErrnoException).code)
      throw new InputFileError(`cannot read ${file}: ${describeFsError(err)}`);
    throw err;
  } finally {
    await handle.close();
  }
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EEXIST':
      return 'already exists';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return code ?? (err as Error).message;
  }
}
