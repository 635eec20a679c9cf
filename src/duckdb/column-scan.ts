/**
 * Rows held as JS columns (see column-appender.ts), read by DuckDB through a table function, so
 * that `INSERT INTO t SELECT * FROM <scan>` writes them: the insert (checks, compression, the
 * index, the WAL) runs on DuckDB's threads, and only the filling of each data chunk comes back
 * to the event loop, one chunk at a time with other callbacks in between. The appender's
 * flush does all of that synchronously on the event loop (@duckdb/node-api has no asynchronous
 * flush): 1.4 ms for a one-row commit, tens of milliseconds for a few hundred rows and hundreds
 * for a batch of 20,000, with every other request of the server waiting behind it
 * (bench/mixed-load.ts).
 */
import {
  BIGINT,
  DuckDBTableFunction,
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBTableFunctionBindInfo,
  type DuckDBTableFunctionInfo,
  type DuckDBTableFunctionInitInfo,
  type DuckDBType,
} from '@duckdb/node-api';
import { CHUNK_ROWS, writeRows, type ColumnValues } from './column-appender.ts';

/**
 * Rows one call of the scan fills: a whole vector. Each call is a turn of the event loop that a
 * DuckDB thread waits for, and while it waits the thread that runs the statement spins (DuckDB's
 * executor polls for a task it does not have): fewer, fuller calls cost the least CPU.
 */
export const ROWS_PER_CALL = CHUNK_ROWS;

interface Rows {
  types: readonly DuckDBType[];
  columns: readonly ColumnValues[];
  rowCount: number;
}

/** Names the table functions of every scan in the process (DuckDB's function catalog is shared). */
let scans = 0;

/**
 * One table function on a database, `opentrail_rows_<n>(id)`, serving the row sets added to it
 * by their ids. A row set stays readable until released.
 */
export class ColumnScan {
  private readonly rowSets = new Map<number, Rows>();
  private nextId = 0;
  private readonly scratch = new Uint32Array(CHUNK_ROWS * 2);

  private constructor(readonly functionName: string) {}

  /** Registers the scan's table function through `connection` (for its whole database). */
  static register(connection: DuckDBConnection): ColumnScan {
    const scan = new ColumnScan(`opentrail_rows_${++scans}`);
    connection.registerTableFunction(
      DuckDBTableFunction.create({
        name: scan.functionName,
        parameterTypes: [BIGINT],
        bindFunction: (info) => scan.bind(info),
        initFunction: (info) => scan.init(info),
        mainFunction: (info, output) => scan.fill(info, output),
      }),
    );
    return scan;
  }

  /**
   * Adds `rowCount` rows given column by column (of `types`, a table's column order) and returns
   * the SQL table expression that reads them, for `INSERT INTO t SELECT * FROM <it>`.
   */
  add(types: readonly DuckDBType[], columns: readonly ColumnValues[], rowCount: number): ScannedRows {
    if (columns.length !== types.length) {
      throw new Error(`ColumnScan.add needs ${types.length} columns, got ${columns.length}`);
    }
    const id = this.nextId++;
    this.rowSets.set(id, { types, columns, rowCount });
    return { sql: `${this.functionName}(${id})`, release: () => this.rowSets.delete(id) };
  }

  private bind(info: DuckDBTableFunctionBindInfo): void {
    const id = Number(info.getParameter(0));
    const rows = this.rowSets.get(id);
    if (!rows) {
      info.setError(`${this.functionName}: no rows with id ${id}`);
      return;
    }
    rows.types.forEach((type, c) => info.addResultColumn(`c${c}`, type));
    info.setCardinality(rows.rowCount, true);
    info.setBindData(rows);
  }

  private init(info: DuckDBTableFunctionInitInfo): void {
    // One scanning thread: the rows go in in the order given (the log's seq order).
    info.setMaxThreads(1);
    info.setInitData({ next: 0 });
  }

  private fill(info: DuckDBTableFunctionInfo, output: DuckDBDataChunk): void {
    const rows = info.bindData as Rows;
    const state = info.initData as { next: number };
    const count = Math.min(ROWS_PER_CALL, rows.rowCount - state.next);
    output.rowCount = count;
    if (count === 0) return;
    writeRows(output, rows.columns, state.next, count, this.scratch);
    state.next += count;
  }
}

/** Rows added to a scan: `sql` reads them until `release()`. */
export interface ScannedRows {
  sql: string;
  release: () => void;
}
