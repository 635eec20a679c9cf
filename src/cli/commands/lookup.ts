/** `opentrail lookup`: LookupEvents, every page up to --max-items, printed as a table, JSON or CSV. */
import {
  LookupAttributeKey,
  paginateLookupEvents,
  type Event,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { InvalidArgumentError, type Command } from 'commander';
import { addClientCommand, clientOptionsOf, type ClientCommandOptions } from '../client-command.ts';
import { cloudTrailClient } from '../client.ts';
import { formatEvents, outputFormatOption, type OutputFormat } from '../lookup-output.ts';
import { parseInteger, parseTimestamp } from '../option-parsers.ts';

interface LookupOptions extends ClientCommandOptions {
  attribute?: string;
  startTime?: Date;
  endTime?: Date;
  category?: string;
  maxItems?: number;
  output: OutputFormat;
}

export function registerLookup(program: Command): void {
  addClientCommand(program, 'lookup')
    .description(
      'look up Event history (management events of the last 90 days; --category insight for Insights)',
    )
    .option(
      '--attribute <key=value>',
      `one lookup attribute: ${Object.values(LookupAttributeKey).join(', ')}`,
    )
    .option('--start-time <time>', 'ISO 8601 or epoch seconds', parseTimestamp)
    .option('--end-time <time>', 'ISO 8601 or epoch seconds', parseTimestamp)
    .option('--category <category>', 'insight to look up Insights events')
    .option('--max-items <n>', 'stop after this many events', parseInteger)
    .addOption(outputFormatOption())
    .action(lookup);
}

async function lookup(opts: LookupOptions): Promise<void> {
  const client = await cloudTrailClient(clientOptionsOf(opts));
  const input: LookupEventsCommandInput = {};
  if (opts.attribute) {
    const eq = opts.attribute.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError('--attribute takes KEY=VALUE, e.g. EventName=ConsoleLogin');
    input.LookupAttributes = [
      {
        AttributeKey: opts.attribute.slice(0, eq) as LookupAttributeKey,
        AttributeValue: opts.attribute.slice(eq + 1),
      },
    ];
  }
  if (opts.startTime) input.StartTime = opts.startTime;
  if (opts.endTime) input.EndTime = opts.endTime;
  if (opts.category) input.EventCategory = opts.category as 'insight';
  const events: Event[] = [];
  for await (const page of paginateLookupEvents({ client, pageSize: 50 }, input)) {
    events.push(...(page.Events ?? []));
    if (opts.maxItems !== undefined && events.length >= opts.maxItems) break;
  }
  console.log(
    formatEvents(opts.maxItems !== undefined ? events.slice(0, opts.maxItems) : events, opts.output),
  );
}
