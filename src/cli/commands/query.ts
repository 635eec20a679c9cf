/** `opentrail query`: StartQuery, waits for the query to end, prints its results. */
import { DescribeQueryCommand, StartQueryCommand, paginateGetQueryResults } from '@aws-sdk/client-cloudtrail';
import type { Command } from 'commander';
import { addClientCommand, clientOptionsOf, type ClientCommandOptions } from '../client-command.ts';
import { cloudTrailClient } from '../client.ts';
import { csvText, outputFormatOption, tableText, type OutputFormat } from '../lookup-output.ts';

interface QueryOptions extends ClientCommandOptions {
  output: OutputFormat;
}

export function registerQuery(program: Command): void {
  addClientCommand(program, 'query')
    .description('run a CloudTrail Lake SQL query (StartQuery) and print its results')
    .argument(
      '<statement>',
      'Lake SQL, e.g. "SELECT eventName, COUNT(*) FROM <event-data-store-id> GROUP BY 1"',
    )
    .addOption(outputFormatOption())
    .action(query);
}

async function query(statement: string, opts: QueryOptions): Promise<void> {
  const client = await cloudTrailClient(clientOptionsOf(opts));
  const { QueryId } = await client.send(new StartQueryCommand({ QueryStatement: statement }));
  let described = await client.send(new DescribeQueryCommand({ QueryId }));
  for (let wait = 50; described.QueryStatus === 'QUEUED' || described.QueryStatus === 'RUNNING';) {
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 1000);
    described = await client.send(new DescribeQueryCommand({ QueryId }));
  }
  if (described.QueryStatus !== 'FINISHED') {
    console.error(`Query ${QueryId ?? ''} ${described.QueryStatus ?? ''}: ${described.ErrorMessage ?? ''}`);
    process.exitCode = 1;
    return;
  }
  // Lake leaves null values out of a row; the header is every column seen, in order.
  const rows: Record<string, string>[] = [];
  const header: string[] = [];
  for await (const page of paginateGetQueryResults({ client, pageSize: 1000 }, { QueryId })) {
    for (const cells of page.QueryResultRows ?? []) {
      const row = Object.assign({}, ...cells) as Record<string, string>;
      for (const key of Object.keys(row)) if (!header.includes(key)) header.push(key);
      rows.push(row);
    }
  }
  if (opts.output === 'json') {
    console.log(
      JSON.stringify(
        rows.map((r) => Object.fromEntries(header.map((h) => [h, r[h] ?? null]))),
        null,
        2,
      ),
    );
  } else {
    const cells = rows.map((r) => header.map((h) => r[h] ?? ''));
    console.log(opts.output === 'csv' ? csvText(header, cells) : tableText(header, cells));
  }
  const stats = described.QueryStatistics;
  if (opts.output === 'table') {
    console.error(
      `${rows.length} rows; ${stats?.EventsScanned ?? 0} events scanned in ${stats?.ExecutionTimeInMillis ?? 0} ms`,
    );
  }
}
