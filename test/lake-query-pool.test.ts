/**
 * Lake queries under a heavy query (issue 13, finding 5), through the AWS SDK against the real
 * server: StartQuery answers at once whatever else runs (AWS: StartQuery returns a QueryId, the
 * query is QUEUED, then RUNNING), a runaway query ends TIMED_OUT or CANCELLED, one account holds
 * no more than its share of the running slots, the per-account quota is refused with
 * MaxConcurrentQueriesException, and a query that outgrows the memory limit FAILS with a message
 * saying so while the server keeps answering.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  CancelQueryCommand,
  CreateEventDataStoreCommand,
  DescribeQueryCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
  type CloudTrailClient,
  type DescribeQueryCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import { DEFAULT_QUERY_TIMEOUT_SECONDS, validateConfig } from '../src/config.ts';
import { addAccountKey, bootstrappedDataDir } from './helpers/accounts.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { cloudTrailClient, errorOf, waitFor } from './helpers/trails.ts';

const ACCOUNT = '111111111111';
const OTHER = '222222222222';

/** Runs until stopped: a cross join of 10^12 rows that reads the store once (Lake queries must). */
function runaway(store: string): string {
  return (
    `WITH a AS (SELECT x FROM UNNEST(sequence(1, 9999)) AS t(x)) ` +
    `SELECT count(*) FROM a, a b, a c WHERE a.x + b.x + c.x > (SELECT count(*) FROM ${store})`
  );
}

async function createStore(client: CloudTrailClient, name: string): Promise<string> {
  const created = await client.send(
    new CreateEventDataStoreCommand({ Name: name, TerminationProtectionEnabled: false }),
  );
  return (created.EventDataStoreArn ?? '').split('/').pop() ?? '';
}

async function start(client: CloudTrailClient, statement: string): Promise<string> {
  const { QueryId } = await client.send(new StartQueryCommand({ QueryStatement: statement }));
  assert.ok(QueryId);
  return QueryId;
}

function describe_(client: CloudTrailClient, id: string): Promise<DescribeQueryCommandOutput> {
  return client.send(new DescribeQueryCommand({ QueryId: id }));
}

async function statusOf(client: CloudTrailClient, id: string): Promise<string | undefined> {
  return (await describe_(client, id)).QueryStatus;
}

function untilStatus(
  client: CloudTrailClient,
  id: string,
  done: (status: string | undefined) => boolean,
  what: string,
): Promise<DescribeQueryCommandOutput> {
  return waitFor(
    what,
    async () => {
      const d = await describe_(client, id);
      return done(d.QueryStatus) ? d : undefined;
    },
    20_000,
    50,
  );
}

const ended = (s: string | undefined): boolean => s !== 'QUEUED' && s !== 'RUNNING';

describe('Lake queries beside a runaway query', () => {
  let dataDir: string;
  let server: TestServer;
  let client: CloudTrailClient;
  let other: CloudTrailClient;
  let store: string;
  let otherStore: string;

  before(async () => {
    // A second account for the share: added to the identity store of a stopped server.
    const options = {
      accountId: ACCOUNT,
      queryConcurrency: 2,
      queryAccountShare: 1,
      maxConcurrentQueries: 3,
      queryTimeoutSeconds: 3,
    };
    dataDir = await bootstrappedDataDir(options);
    const key = await addAccountKey(dataDir, OTHER);
    server = await startTestServer({ ...options, dataDir });
    client = cloudTrailClient(server);
    other = cloudTrailClient({ url: server.url, ...key });
    store = await createStore(client, 'pool-store');
    otherStore = await createStore(other, 'other-store');
  });
  after(async () => {
    client?.destroy();
    other?.destroy();
    await server?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("the finding's UNNEST(sequence(1, 400000000)) is refused at once with Trino's limit, and StartQuery goes on answering", async () => {
    // Before, DuckDB built the 400-million-entry list while StartQuery bound the statement: the
    // call took minutes, held every other StartQuery behind it and grew the process by gigabytes.
    const refused = await errorOf(
      start(client, `SELECT count(*) FROM ${store} CROSS JOIN UNNEST(sequence(1, 400000000)) AS t(x)`),
    );
    assert.equal(refused.name, 'InvalidQueryStatementException');
    assert.match(refused.message, /result of sequence function must not have more than 10000 entries/);
    const next = await start(client, `SELECT count(*) AS n FROM ${store}`);
    assert.equal((await untilStatus(client, next, ended, 'a plain query')).QueryStatus, 'FINISHED');
  });

  it('StartQuery, DescribeQuery and GetQueryResults answer while a runaway runs; CancelQuery ends it', async () => {
    const earlier = await start(client, `SELECT 'before' AS word FROM ${store} LIMIT 1`);
    await untilStatus(client, earlier, ended, 'the earlier query');
    const heavy = await start(client, runaway(store));
    await untilStatus(client, heavy, (s) => s === 'RUNNING', 'the runaway to run');
    // The account's share is one slot: its next query is QUEUED behind the runaway, and StartQuery
    // still answered with its QueryId.
    const queued = await start(client, `SELECT count(*) AS n FROM ${store}`);
    assert.equal(await statusOf(client, queued), 'QUEUED');
    const results = await client.send(new GetQueryResultsCommand({ QueryId: earlier }));
    assert.equal(results.QueryStatus, 'FINISHED');
    assert.equal(await statusOf(client, heavy), 'RUNNING');

    const cancelled = await client.send(new CancelQueryCommand({ QueryId: heavy }));
    assert.equal(cancelled.QueryStatus, 'CANCELLED');
    assert.equal((await untilStatus(client, queued, ended, 'the queued query')).QueryStatus, 'FINISHED');
    assert.equal(await statusOf(client, heavy), 'CANCELLED');
  });

  it("another account runs beside an account's runaways, each account within its share", async () => {
    const first = await start(client, runaway(store));
    const second = await start(client, runaway(store));
    await untilStatus(client, first, (s) => s === 'RUNNING', 'the first runaway to run');
    // One slot of two is this account's share: its second runaway waits, the other account's
    // query takes the free slot.
    const theirs = await start(other, `SELECT count(*) AS n FROM ${otherStore}`);
    assert.equal(
      (await untilStatus(other, theirs, ended, "the other account's query")).QueryStatus,
      'FINISHED',
    );
    assert.equal(await statusOf(client, second), 'QUEUED');
    assert.equal(await statusOf(client, first), 'RUNNING');

    // queryTimeoutSeconds is 3: each runaway is stopped, the second once the first let go.
    const firstEnd = await untilStatus(client, first, ended, 'the first runaway to time out');
    assert.equal(firstEnd.QueryStatus, 'TIMED_OUT');
    assert.match(firstEnd.ErrorMessage ?? '', /ran longer than 3 seconds/);
    assert.equal((await untilStatus(client, second, ended, 'the second runaway')).QueryStatus, 'TIMED_OUT');
  });

  it('StartQuery beyond the per-account quota is MaxConcurrentQueriesException, as AWS answers', async () => {
    const running = [await start(client, runaway(store)), await start(client, runaway(store))];
    const third = await start(client, runaway(store));
    const refused = await errorOf(start(client, `SELECT count(*) FROM ${store}`));
    assert.equal(refused.name, 'MaxConcurrentQueriesException');
    assert.equal(
      refused.message,
      'You are already running the maximum number of concurrent queries. The maximum number of concurrent queries is 3. Wait a minute for some queries to finish, and then run the query again.',
    );
    // The quota is the account's: the other account still starts queries.
    const theirs = await start(other, `SELECT count(*) AS n FROM ${otherStore}`);
    for (const id of [...running, third]) await client.send(new CancelQueryCommand({ QueryId: id }));
    assert.equal(
      (await untilStatus(other, theirs, ended, "the other account's query")).QueryStatus,
      'FINISHED',
    );
    const after = await start(client, `SELECT count(*) AS n FROM ${store}`);
    assert.equal(
      (await untilStatus(client, after, ended, 'a query after the quota')).QueryStatus,
      'FINISHED',
    );
  });
});

describe('Lake queries and the memory limit', () => {
  let server: TestServer;
  let client: CloudTrailClient;
  let store: string;

  before(async () => {
    server = await startTestServer({ queryMemoryLimitMiB: 128, querySpillLimitMiB: 0 });
    client = cloudTrailClient(server);
    store = await createStore(client, 'memory-store');
  });
  after(async () => {
    client?.destroy();
    await server?.dispose();
  });

  it('a query that outgrows the memory limit FAILS saying so, and the server goes on', async () => {
    // 10^8 distinct values: a hash table far beyond 128 MiB, with no disk to spill to.
    const hungry = await start(
      client,
      `WITH a AS (SELECT x FROM UNNEST(sequence(1, 9999)) AS t(x)) ` +
        `SELECT count(DISTINCT a.x * 10000 + b.x) AS n FROM a, a b WHERE (SELECT count(*) FROM ${store}) >= 0`,
    );
    const failed = await untilStatus(client, hungry, ended, 'the query to run out of memory');
    assert.equal(failed.QueryStatus, 'FAILED');
    assert.match(failed.ErrorMessage ?? '', /needed more memory than Lake queries may use \(128 MiB/);
    const next = await start(client, `SELECT count(*) AS n FROM ${store}`);
    assert.equal((await untilStatus(client, next, ended, 'a query after it')).QueryStatus, 'FINISHED');
  });
});

describe('Lake query options', () => {
  it('the default --query-timeout is ten minutes', () => {
    // AWS: "most queries complete within a few minutes"; one hour is where Lake "might time out".
    assert.equal(DEFAULT_QUERY_TIMEOUT_SECONDS, 600);
    assert.equal(validateConfig({}).queryTimeoutSeconds, 600);
  });

  it('refuses an account share, a quota or a memory limit that cannot work', () => {
    assert.throws(() => validateConfig({ queryAccountShare: 0 }), /--query-account-share/);
    assert.throws(() => validateConfig({ maxConcurrentQueries: 0 }), /--max-concurrent-queries/);
    assert.throws(() => validateConfig({ queryMemoryLimitMiB: 8 }), /--query-memory-limit/);
  });
});
