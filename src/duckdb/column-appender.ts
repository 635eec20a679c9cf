/**
 * Fills DuckDB data chunks from whole JS columns, writing each vector directly: integers are
 * copied in as little-endian 64-bit words (no BigInt per value), strings go in with one native
 * call each, and text that is already UTF-8 bytes (a record kept as the
 * request body carried it) is copied without being decoded to a string and encoded again.
 * The generic value-by-value path of @duckdb/node-api costs several times as much per row, and
 * the write path inserts tens of thousands of rows per commit (through a ColumnScan).
 */
import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, type DuckDBAppender, type DuckDBType } from '@duckdb/node-api';

/** DuckDB's vector size: the most rows one data chunk holds. */
export const CHUNK_ROWS = 2048;
const TWO_32 = 2 ** 32;

// DuckDB keeps integers in the machine's byte order; the word layout below is little-endian's.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error(
    'column-appender writes 64-bit integers as little-endian words; this machine is big-endian',
  );
}

export type ColumnValues =
  /** BIGINT or UBIGINT from safe integers. */
  | { kind: 'int64'; values: ArrayLike<number> }
  /** BIGINT or UBIGINT as (low, high) 32-bit word pairs, two words a row. */
  | { kind: 'words'; words: Uint32Array<ArrayBuffer> }
  | { kind: 'boolean'; values: readonly (boolean | null)[] }
  /** VARCHAR from strings, or from their UTF-8 bytes (which must be valid UTF-8). */
  | { kind: 'varchar'; values: readonly (string | Uint8Array | null)[] };

/** Marks rows [0, count) valid except those `isNull` names; only touches the vector if some are null. */
function writeValidity(vector: duckdb.Vector, count: number, isNull: (row: number) => boolean): void {
  let mask: Uint8Array<ArrayBuffer> | undefined;
  for (let row = 0; row < count; row++) {
    if (!isNull(row)) continue;
    mask ??= new Uint8Array(Math.ceil(count / 64) * 8).fill(0xff);
    mask[row >> 3] = (mask[row >> 3] as number) & ~(1 << (row & 7));
  }
  if (!mask) return;
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer, mask.byteOffset, mask.byteLength);
}

/** Whether values[start, start + count) are all the same string. */
function isConstant(values: readonly unknown[], start: number, count: number): boolean {
  const first = values[start];
  for (let row = 1; row < count; row++) if (values[start + row] !== first) return false;
  return true;
}

function writeColumn(
  vector: duckdb.Vector,
  column: ColumnValues,
  start: number,
  count: number,
  scratch: Uint32Array<ArrayBuffer>,
): void {
  switch (column.kind) {
    case 'int64': {
      for (let row = 0; row < count; row++) {
        const v = column.values[start + row] as number;
        scratch[2 * row] = v >>> 0;
        scratch[2 * row + 1] = Math.floor(v / TWO_32) >>> 0;
      }
      duckdb.copy_data_to_vector(vector, 0, scratch.buffer, scratch.byteOffset, count * 8);
      return;
    }
    case 'words': {
      const w = column.words;
      duckdb.copy_data_to_vector(vector, 0, w.buffer, w.byteOffset + start * 8, count * 8);
      return;
    }
    case 'boolean': {
      const bytes = new Uint8Array(count);
      for (let row = 0; row < count; row++) bytes[row] = column.values[start + row] === true ? 1 : 0;
      duckdb.copy_data_to_vector(vector, 0, bytes.buffer, bytes.byteOffset, count);
      writeValidity(vector, count, (row) => column.values[start + row] === null);
      return;
    }
    case 'varchar': {
      const first = column.values[start];
      if (typeof first === 'string' && isConstant(column.values, start, count)) {
        // One account, region or category for the whole chunk, as is usual: a constant vector.
        duckdb.vector_reference_value(vector, duckdb.create_varchar(first));
        return;
      }
      for (let row = 0; row < count; row++) {
        const v = column.values[start + row];
        if (typeof v === 'string') duckdb.vector_assign_string_element(vector, row, v);
        else if (v) duckdb.vector_assign_string_element_len(vector, row, v);
      }
      writeValidity(vector, count, (row) => column.values[start + row] === null);
      return;
    }
  }
}

/** A BIGINT or UBIGINT column of a result chunk as (low, high) 32-bit word pairs, two words a row. */
export function readInt64Words(chunk: DuckDBDataChunk, column: number): Uint32Array {
  const bytes = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, column), chunk.rowCount * 8);
  return bytes.byteOffset % 4 === 0
    ? new Uint32Array(bytes.buffer, bytes.byteOffset, chunk.rowCount * 2)
    : new Uint32Array(bytes.slice().buffer);
}

/** Writes rows [start, start + count) of `columns` into `chunk` (whose row count is `count`). */
export function writeRows(
  chunk: DuckDBDataChunk,
  columns: readonly ColumnValues[],
  start: number,
  count: number,
  scratch: Uint32Array<ArrayBuffer> = new Uint32Array(CHUNK_ROWS * 2),
): void {
  columns.forEach((column, c) => {
    writeColumn(duckdb.data_chunk_get_vector(chunk.chunk, c), column, start, count, scratch);
  });
}

/**
 * Appends `rowCount` rows given column by column, in the table's column order. The appender's
 * flush is synchronous: for tools and benchmarks, not for the server's event loop (ColumnScan).
 */
export function appendColumns(
  appender: DuckDBAppender,
  types: readonly DuckDBType[],
  columns: readonly ColumnValues[],
  rowCount: number,
): void {
  if (columns.length !== types.length) {
    throw new Error(`appendColumns needs ${types.length} columns, got ${columns.length}`);
  }
  const scratch = new Uint32Array(CHUNK_ROWS * 2);
  for (let start = 0; start < rowCount; start += CHUNK_ROWS) {
    const count = Math.min(CHUNK_ROWS, rowCount - start);
    const chunk = DuckDBDataChunk.create(types, count);
    writeRows(chunk, columns, start, count, scratch);
    appender.appendDataChunk(chunk);
  }
}
