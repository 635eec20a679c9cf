/** Shared by this folder's tests: in-memory stores loaded with real CloudTrail records from test/fixtures. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { createTableSql, rowsFromJsonSql, type LakeTableKind } from '../../query/lake-schema.ts';
import { installLakeFunctions } from './install.ts';
import { queryConnectionSettings } from './settings.ts';
import { translateLakeQuery } from './translate.ts';

import { CLOUDTRAIL_SAMPLES as DATA } from '../../../test/fixtures/samples.ts';

/** The invictus-ir dataset (MIT, see its LICENSE in test/fixtures/cloudtrail-samples): CloudTrail log files `{"Records": [...]}`. */
export function invictusRecords(): Record<string, unknown>[] {
  const dir = join(DATA, 'invictus-ir-aws_dataset');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap(
      (f) =>
        (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { Records: Record<string, unknown>[] }).Records,
    );
}

/** The Stratus Red Team detonation logs (Apache-2.0, see test/fixtures/cloudtrail-samples): JSON arrays of records. */
export function stratusRecords(): Record<string, unknown>[] {
  const dir = join(DATA, 'stratus-red-team-detonation-logs');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>[]);
}

export const INVICTUS_STORE = '0fce1234-5678-40ab-8def-1234567890ab';
export const STRATUS_STORE = 'a1b2c3d4-0000-4000-8000-0000000000ff';
export const ACTIVITY_STORE = '5d2f7c1e-9a3b-4c6d-8e0f-112233445566';
/** The store IDs the CloudTrail docs use in their multi-store example. */
export const DOCS_STORES = [
  'EXAMPLEf852-4e8f-8bd1-bcf6cEXAMPLE',
  'EXAMPLEg741-6y1x-9p3v-bnh6iEXAMPLE',
  'EXAMPLEb529-4e8f9l3d-6m2z-lkp5sEXAMPLE',
] as const;

export interface LakeFixture {
  connection: DuckDBConnection;
  resolve: (name: string) => string | undefined;
  invictus: Record<string, unknown>[];
  stratus: Record<string, unknown>[];
  /** Translates and runs a statement, returning rows as JSON-ish values and DuckDB's column names. */
  query(statement: string): Promise<{ columns: string[]; rows: unknown[][] }>;
  close(): void;
}

async function loadStore(
  c: DuckDBConnection,
  table: string,
  kind: LakeTableKind,
  records: unknown[],
): Promise<void> {
  await c.run(createTableSql(table, kind));
  if (records.length === 0) return;
  await c.run('CREATE OR REPLACE TEMP TABLE staging (json VARCHAR)');
  await c.run('INSERT INTO staging SELECT unnest(CAST($1 AS VARCHAR[]))', [
    listValue(records.map((r) => JSON.stringify(r))),
  ]);
  await c.run(
    `INSERT INTO ${table} ${rowsFromJsonSql(kind, 'staging', { eventJson: 'json', eventJsonChecksum: 'NULL' })}`,
  );
  await c.run('DROP TABLE staging');
}

export async function openLakeFixture(): Promise<LakeFixture> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
    threads: '2',
  });
  const c = await instance.connect();
  await c.run('CREATE SCHEMA lake');
  // Tables a statement must never reach.
  await c.run('CREATE TABLE events (seq BIGINT, secret VARCHAR)');
  await c.run("INSERT INTO events VALUES (1, 'do not leak')");
  await c.run('CREATE TABLE cursors (consumer VARCHAR, seq BIGINT)');
  const invictus = invictusRecords();
  const stratus = stratusRecords();
  await loadStore(c, 'lake."eds_invictus"', 'cloudtrail', invictus);
  await loadStore(c, 'lake."eds_stratus"', 'cloudtrail', stratus);
  await loadStore(c, 'lake."eds_activity"', 'activity', []);
  await installLakeFunctions(c);
  for (const sql of queryConnectionSettings({ memoryLimit: '512MB' })) await c.run(sql);
  const tables: Record<string, string> = {
    [INVICTUS_STORE]: 'lake."eds_invictus"',
    [STRATUS_STORE]: 'lake."eds_stratus"',
    [ACTIVITY_STORE]: 'lake."eds_activity"',
    [`arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/${INVICTUS_STORE}`]: 'lake."eds_invictus"',
    [DOCS_STORES[0]]: 'lake."eds_invictus"',
    [DOCS_STORES[1]]: 'lake."eds_stratus"',
    [DOCS_STORES[2]]: 'lake."eds_invictus"',
  };
  const resolve = (name: string): string | undefined => tables[name];
  return {
    connection: c,
    resolve,
    invictus,
    stratus,
    async query(statement) {
      const { sql } = await translateLakeQuery(c, statement, resolve);
      const reader = await c.runAndReadAll(sql);
      return { columns: reader.columnNames(), rows: reader.getRowsJson() };
    },
    close() {
      c.closeSync();
      instance.closeSync();
    },
  };
}
