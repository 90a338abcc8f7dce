import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { CliError } from '../cli';
import { jsonArrayElementLines } from './json-element-lines';

/** One record of an input file, before validation, with where it came from. */
export interface SourceRecord {
  /** 0-based position in the file's records. */
  index: number;
  /** 1-based line the record starts (JSON) or ends (CSV) on. */
  line: number;
  value: unknown;
}

export type InputFormat = 'json' | 'ndjson' | 'csv';

/** How CSV cells become typed fields: CSV only knows text. */
export interface CsvShape {
  numbers?: readonly string[];
  /** Columns holding a list, items separated by `|`. */
  lists?: readonly string[];
}

export function formatOf(file: string): InputFormat {
  const extension = extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  if (extension === '.json') return 'json';
  throw new CliError(
    `${file}: cannot tell the format from the extension: use .json (an array), .ndjson or .csv`,
    2,
  );
}

export function parseJsonArray(text: string, file: string): SourceRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new CliError(`${file}: expected a JSON array of records`);
  const lines = jsonArrayElementLines(text);
  return parsed.map((value: unknown, index) => ({ index, line: lines[index] ?? 1, value }));
}

export function parseNdjson(text: string, file: string): SourceRecord[] {
  const records: SourceRecord[] = [];
  text.split('\n').forEach((raw, lineIndex) => {
    const content = raw.trim();
    if (content === '') return;
    try {
      records.push({ index: records.length, line: lineIndex + 1, value: JSON.parse(content) as unknown });
    } catch (error) {
      throw new CliError(`${file}:${lineIndex + 1}: not valid JSON: ${(error as Error).message}`);
    }
  });
  return records;
}

function cell(raw: string, column: string, shape: CsvShape): unknown {
  if (raw === '') return shape.lists?.includes(column) ? [] : undefined;
  if (shape.lists?.includes(column)) {
    return raw
      .split('|')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  if (shape.numbers?.includes(column) && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  // Anything else stays text, so validation reports e.g. "expected number" with the column.
  return raw;
}

export function parseCsvRecords(text: string, file: string, shape: CsvShape = {}): SourceRecord[] {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, info: true });
  } catch (error) {
    throw new CliError(`${file}: not valid CSV: ${(error as Error).message}`);
  }
  return rows.map(({ record, info }, index) => ({
    index,
    line: info.lines,
    value: Object.fromEntries(
      Object.entries(record).map(([column, raw]) => [column, cell(raw, column, shape)]),
    ),
  }));
}

export async function readRecords(file: string, shape: CsvShape = {}): Promise<SourceRecord[]> {
  const format = formatOf(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (format === 'csv') return parseCsvRecords(text, file, shape);
  if (format === 'ndjson') return parseNdjson(text, file);
  return parseJsonArray(text, file);
}
