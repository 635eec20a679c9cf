/** CloudTrail Lake through real clients: a query's rows (SDK v3), events sent to a channel (AWS CLI v1). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DescribeQueryCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { AWS_CLI_V1, run, type RunResult } from './run.ts';
import { waitFor } from './trails.ts';

/**
 * The rows of the Lake query `sql` run by `client`, once it has finished, each cell as its string;
 * `ownerAccountId` is the EventDataStoreOwnerAccountId of a query on another account's store.
 */
export async function queryRows(
  client: CloudTrailClient,
  sql: string,
  ownerAccountId?: string,
): Promise<string[][]> {
  const owned = ownerAccountId ? { EventDataStoreOwnerAccountId: ownerAccountId } : {};
  const started = await client.send(new StartQueryCommand({ QueryStatement: sql, ...owned }));
  if (ownerAccountId) assert.equal(started.EventDataStoreOwnerAccountId, ownerAccountId);
  const status = await waitFor('the query to finish', async () => {
    const d = await client.send(new DescribeQueryCommand({ QueryId: started.QueryId, ...owned }));
    return d.QueryStatus === 'QUEUED' || d.QueryStatus === 'RUNNING' ? undefined : d;
  });
  assert.equal(status.QueryStatus, 'FINISHED', status.ErrorMessage);
  const results = await client.send(new GetQueryResultsCommand({ QueryId: started.QueryId, ...owned }));
  return (results.QueryResultRows ?? []).map((row) => row.map((cell) => Object.values(cell)[0] ?? ''));
}

/**
 * `aws cloudtrail-data put-audit-events` (AWS CLI v1) to `server`, the events passed as a file in
 * its data directory, as `env`'s caller (the admin's by default), with `externalId` when given.
 */
export async function putAuditEventsWithCli(
  server: { url: string; dataDir: string; awsEnv: NodeJS.ProcessEnv },
  channel: string,
  events: unknown[],
  options: { env?: NodeJS.ProcessEnv; externalId?: string } = {},
): Promise<RunResult> {
  const file = join(server.dataDir, `audit-events-${randomUUID()}.json`);
  await writeFile(file, JSON.stringify(events));
  return run(
    AWS_CLI_V1,
    [
      'cloudtrail-data',
      'put-audit-events',
      '--endpoint-url',
      server.url,
      '--channel-arn',
      channel,
      ...(options.externalId !== undefined ? ['--external-id', options.externalId] : []),
      '--audit-events',
      `file://${file}`,
      '--output',
      'json',
    ],
    { env: options.env ?? server.awsEnv },
  );
}
