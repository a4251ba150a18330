// An incremental RFC 4180 CSV parser: text goes in chunk by chunk (WebVid's results_2M_train.csv
// is hundreds of megabytes, too big to hold as one string), complete rows come out with the line
// each starts on. Quoted fields may hold commas, doubled quotes and line breaks; rows end at
// \n, \r\n or \r; blank lines are skipped; a leading byte-order mark is dropped. Leniencies as
// pandas reads these files: a quote inside an unquoted field is kept as text, and text right
// after a closing quote is appended to the field. An unterminated quoted field at the end of the
// input is an error naming the line it opened on.
import { createReadStream } from 'node:fs';
import { AnnotationError } from '../errors.js';

export interface CsvRow {
  fields: string[];
  /** 1-based line on which the row starts. */
  line: number;
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: either the first of a doubled quote or the closing one. */
  QuoteInQuoted,
  /** After a \r that ended a row: a following \n belongs to it. */
  AfterCr,
}

export class CsvParser {
  private state = State.FieldStart;
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private rowLine = 1;
  private quoteLine = 0;
  private started = false;
  /** The last character inside a quoted field was \r (a \r\n there is one line break). */
  private prevCr = false;

  constructor(private readonly source = 'CSV input') {}

  /** Parses a chunk; returns the rows it completed. */
  push(text: string): CsvRow[] {
    const rows: CsvRow[] = [];
    let i = 0;
    if (!this.started && text.length) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    const n = text.length;
    while (i < n) {
      if (this.state === State.Unquoted || this.state === State.Quoted) {
        // Runs of ordinary characters are appended as one slice.
        const quoted = this.state === State.Quoted;
        let j = i;
        for (; j < n; j++) {
          const k = text.charCodeAt(j);
          if (k === QUOTE ? quoted : !quoted && (k === COMMA || k === LF || k === CR)) break;
          if (quoted && (k === CR || (k === LF && !this.prevCr))) this.line++;
          if (quoted) this.prevCr = k === CR;
        }
        if (j > i) this.field += text.slice(i, j);
        i = j;
        if (i === n) break;
      }
      const c = text[i++]!;
      if (this.state === State.AfterCr) {
        this.state = State.FieldStart;
        if (c === '\n') continue; // the \r\n that ended the row
      }
      if (this.state === State.FieldStart) {
        if (c === '"') {
          this.state = State.Quoted;
          this.quoteLine = this.line;
          this.prevCr = false;
          continue;
        }
        this.state = State.Unquoted;
      }
      if (this.state === State.Unquoted) {
        if (c === ',') this.endField();
        else if (c === '\n' || c === '\r') this.endRow(c, rows);
        else this.field += c;
      } else if (this.state === State.Quoted) {
        this.state = State.QuoteInQuoted; // the fast path above stops only at a quote
      } else if (c === '"') {
        // QuoteInQuoted: a doubled quote is one quote character
        this.field += '"';
        this.state = State.Quoted;
        this.prevCr = false;
      } else if (c === ',') this.endField();
      else if (c === '\n' || c === '\r') this.endRow(c, rows);
      else {
        this.field += c;
        this.state = State.Unquoted;
      }
    }
    return rows;
  }

  /** Ends the input; returns the last row if it had no line break. */
  end(): CsvRow[] {
    if (this.state === State.Quoted)
      throw new AnnotationError(
        'BAD_FORMAT',
        `CsvParser: ${this.source} ends inside a quoted field opened on line ${this.quoteLine} (a missing closing quote?)`,
      );
    const rows: CsvRow[] = [];
    if (this.state !== State.FieldStart && this.state !== State.AfterCr) this.endRow('', rows);
    else if (this.fields.length) this.endRow('', rows);
    return rows;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.state = State.FieldStart;
  }

  private endRow(c: string, rows: CsvRow[]): void {
    this.fields.push(this.field);
    const blank =
      this.fields.length === 1 && this.fields[0] === '' && this.state === State.Unquoted;
    if (!blank) rows.push({ fields: this.fields, line: this.rowLine });
    this.fields = [];
    this.field = '';
    if (c) this.line++;
    this.rowLine = this.line;
    this.state = c === '\r' ? State.AfterCr : State.FieldStart;
  }
}

/** Parses a whole string (tests, small files). */
export function parseCsvText(text: string, source?: string): CsvRow[] {
  const p = new CsvParser(source);
  return [...p.push(text), ...p.end()];
}

/** Streams the rows of a CSV file (UTF-8), reading it in chunks. */
export async function* readCsvRows(path: string, signal?: AbortSignal): AsyncGenerator<CsvRow> {
  const parser = new CsvParser(`'${path}'`);
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20, signal });
  try {
    for await (const chunk of stream) yield* parser.push(chunk as string);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new AnnotationError(
      'ENOENT',
      `readCsvRows: cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  } finally {
    stream.destroy();
  }
  yield* parser.end();
}
