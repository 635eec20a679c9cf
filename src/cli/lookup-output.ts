/** Printing Event history: a table for people, JSON and CSV for the "download". */
import type { Event } from '@aws-sdk/client-cloudtrail';
import { Option } from 'commander';

export type OutputFormat = 'table' | 'json' | 'csv';

/** The --output option of `lookup` and `query`. */
export function outputFormatOption(): Option {
  return new Option('--output <format>', 'output format')
    .choices(['table', 'json', 'csv'] satisfies OutputFormat[])
    .default('table');
}

interface Row {
  EventTime: string;
  EventName: string;
  Username: string;
  EventSource: string;
  ReadOnly: string;
  AccessKeyId: string;
  EventId: string;
  AwsRegion: string;
  SourceIPAddress: string;
  ErrorCode: string;
  ResourceType: string;
  ResourceName: string;
}

function rowOf(event: Event): Row {
  let record: Record<string, unknown> = {};
  try {
    record = JSON.parse(event.CloudTrailEvent ?? '{}') as Record<string, unknown>;
  } catch {
    // CloudTrailEvent is always JSON from OpenTrail; keep the row even if not.
  }
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    EventTime: event.EventTime ? event.EventTime.toISOString().replace('.000Z', 'Z') : '',
    EventName: event.EventName ?? '',
    Username: event.Username ?? '',
    EventSource: event.EventSource ?? '',
    ReadOnly: event.ReadOnly ?? '',
    AccessKeyId: event.AccessKeyId ?? '',
    EventId: event.EventId ?? '',
    AwsRegion: text(record.awsRegion),
    SourceIPAddress: text(record.sourceIPAddress),
    ErrorCode: text(record.errorCode),
    ResourceType: (event.Resources ?? []).map((r) => r.ResourceType ?? '').join(';'),
    ResourceName: (event.Resources ?? []).map((r) => r.ResourceName ?? '').join(';'),
  };
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Rows of cells as CSV with a header line. */
export function csvText(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header.map(csvField).join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n');
}

/** Rows of cells as an aligned text table with a header and a rule. */
export function tableText(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatEvents(events: Event[], format: OutputFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(
        events.map((e) => ({ ...e, EventTime: e.EventTime?.toISOString() })),
        null,
        2,
      );
    case 'csv': {
      const header = Object.keys(rowOf({})) as (keyof Row)[];
      return csvText(
        header,
        events.map(rowOf).map((r) => header.map((h) => r[h])),
      );
    }
    case 'table': {
      const columns: (keyof Row)[] = [
        'EventTime',
        'EventName',
        'Username',
        'EventSource',
        'ReadOnly',
        'EventId',
      ];
      return tableText(
        columns,
        events.map(rowOf).map((r) => columns.map((c) => r[c])),
      );
    }
  }
}
