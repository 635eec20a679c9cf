import type { DuckDBConnection } from '@duckdb/node-api';
import { LAKE_MACROS } from './functions.ts';

/**
 * Prepares a query connection: the `lake_` TEMP macros translated statements call, and UTC as the
 * session time zone (stores keep eventTime as UTC without zone; Lake shows times in UTC). Call once
 * per connection, before `SET lock_configuration = true`.
 */
export async function installLakeFunctions(connection: DuckDBConnection): Promise<void> {
  await connection.run(`SET TimeZone = 'UTC'`);
  for (const macro of LAKE_MACROS) await connection.run(`CREATE OR REPLACE TEMP MACRO ${macro}`);
}
