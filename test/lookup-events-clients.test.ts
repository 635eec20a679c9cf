/**
 * LookupEvents through real clients (AWS CLI v1, AWS CLI v2, boto3) over the invictus-ir sample
 * logs imported with `opentrail import`. Every expectation is computed here from the sample files,
 * not from the server.
 */
import assert from 'node:assert/strict';
import type { LookupAttributeKey } from '../src/store/index.ts';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lookupFieldsOf, splitRecordSpans, type CloudTrailRecord } from '../src/events/index.ts';
import { AWS_CLI_V1, AWS_CLI_V2, run, type RunResult } from './helpers/run.ts';
import { BIN, INVICTUS_ACCOUNT, SAMPLES, startTestServer, type TestServer } from './helpers/server.ts';

const SAMPLE_DIR = join(SAMPLES, 'invictus-ir-aws_dataset');
const SAMPLE_FILES = 20;
const SAMPLE_RECORDS = 1448;
const REGION = 'us-east-1';

interface Sample {
  record: CloudTrailRecord;
  /** The record's exact text in its log file. */
  raw: string;
}

/** An event as the AWS CLI prints it with --output json (v1: EventTime in epoch seconds, v2: ISO 8601). */
interface CliEvent {
  EventId: string;
  EventName: string;
  ReadOnly?: string;
  AccessKeyId?: string;
  EventTime: number | string;
  EventSource: string;
  Username?: string;
  Resources?: { ResourceType?: string; ResourceName?: string }[];
  CloudTrailEvent: string;
}

interface CliPage {
  Events: CliEvent[];
  NextToken?: string;
}

type AttributeKey = LookupAttributeKey;

/** One value per lookup attribute, each chosen so that OpenTrail's own self-audit events cannot match. */
const ATTRIBUTE_CASES: { key: AttributeKey; value: string; matches: (s: Sample) => boolean }[] = [
  {
    // A CreateRole whose policy document is an escaped JSON string (\" and \n) inside the record.
    key: 'EventId',
    value: '18277792-3333-4d87-816f-4f6da4c81b35',
    matches: (s) => s.record.eventID === '18277792-3333-4d87-816f-4f6da4c81b35',
  },
  {
    key: 'EventName',
    value: 'GetPasswordData',
    matches: (s) => s.record.eventName === 'GetPasswordData',
  },
  { key: 'ReadOnly', value: 'false', matches: (s) => s.record.readOnly === false },
  { key: 'Username', value: 'benjamin', matches: (s) => lookupFieldsOf(s.record).username === 'benjamin' },
  {
    key: 'ResourceType',
    value: 'AWS::EC2::Instance',
    matches: (s) => lookupFieldsOf(s.record).resourceTypes.includes('AWS::EC2::Instance'),
  },
  {
    key: 'ResourceName',
    value: 'stratus-red-team-ctlr-bucket-zqfsvooxqj',
    matches: (s) =>
      lookupFieldsOf(s.record).resourceNames.includes('stratus-red-team-ctlr-bucket-zqfsvooxqj'),
  },
  {
    key: 'EventSource',
    value: 'sts.amazonaws.com',
    matches: (s) => s.record.eventSource === 'sts.amazonaws.com',
  },
  {
    key: 'AccessKeyId',
    value: 'AKIATFQR7NSCUXC3DDDP',
    matches: (s) => s.record.userIdentity?.accessKeyId === 'AKIATFQR7NSCUXC3DDDP',
  },
];

async function loadSamples(dir: string): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()) {
    const text = await readFile(join(dir, name), 'utf8');
    const parsed = JSON.parse(text) as { Records: CloudTrailRecord[] };
    const split = splitRecordSpans(text, parsed);
    assert.ok(split && split.spans.length === parsed.Records.length, `cannot split ${name}`);
    split.spans.forEach((span, i) => {
      samples.push({ record: parsed.Records[i] as CloudTrailRecord, raw: text.slice(span.start, span.end) });
    });
  }
  return samples;
}

function eventTimeMs(event: CliEvent): number {
  return typeof event.EventTime === 'number' ? event.EventTime * 1000 : Date.parse(event.EventTime);
}

function idsOf(events: readonly CliEvent[]): string[] {
  return events.map((e) => e.EventId);
}

function sorted(ids: Iterable<string>): string[] {
  return [...ids].sort();
}

function parseJson<T>(result: RunResult, what: string): T {
  assert.equal(result.code, 0, `${what} exited ${result.code}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

describe('LookupEvents over the imported invictus-ir sample logs, through AWS CLI v1, AWS CLI v2 and boto3', () => {
  let server: TestServer;
  let samples: Sample[];
  let byId: Map<string, Sample>;
  let firstImport: RunResult;

  const importSamples = (): Promise<RunResult> =>
    run(process.execPath, [
      BIN,
      'import',
      SAMPLE_DIR,
      '--endpoint-url',
      server.url,
      '--data-dir',
      server.dataDir,
    ]);

  const cli = (bin: string, args: string[]): Promise<RunResult> =>
    run(
      bin,
      [
        'cloudtrail',
        'lookup-events',
        '--endpoint-url',
        server.url,
        '--region',
        REGION,
        ...args,
        '--output',
        'json',
      ],
      { env: server.awsEnv },
    );

  const lookup = async (bin: string, args: string[]): Promise<CliPage> =>
    parseJson<CliPage>(await cli(bin, args), `${bin} lookup-events ${args.join(' ')}`);

  const attributeArgs = (key: string, value: string): string[] => [
    '--lookup-attributes',
    `AttributeKey=${key},AttributeValue=${value}`,
  ];

  const python = (code: string, input: unknown): Promise<RunResult> =>
    run('python3', ['-c', code, JSON.stringify(input)], { env: server.awsEnv });

  /** Asserts each event is a sample record, shown as the record says, in newest-first order. */
  const assertEventsMatchSamples = (events: readonly CliEvent[], what: string): void => {
    let previousMs = Infinity;
    for (const event of events) {
      const sample = byId.get(event.EventId);
      assert.ok(sample, `${what}: ${event.EventId} is not a sample record`);
      const { record } = sample;
      const fields = lookupFieldsOf(record);
      assert.equal(event.CloudTrailEvent, sample.raw, `${what}: CloudTrailEvent of ${event.EventId}`);
      assert.equal(event.EventName, record.eventName);
      assert.equal(event.EventSource, record.eventSource);
      assert.equal(eventTimeMs(event), Date.parse(record.eventTime));
      assert.equal(
        event.ReadOnly,
        typeof record.readOnly === 'boolean' ? String(record.readOnly) : undefined,
      );
      assert.equal(event.AccessKeyId, fields.accessKeyId ?? undefined);
      assert.equal(event.Username, fields.username ?? undefined);
      assert.deepEqual(
        event.Resources ?? [],
        fields.resourceTypes.map((t, i) => ({ ResourceType: t, ResourceName: fields.resourceNames[i] })),
      );
      const ms = eventTimeMs(event);
      assert.ok(ms <= previousMs, `${what}: ${event.EventId} is newer than the event before it`);
      previousMs = ms;
    }
  };

  before(async () => {
    samples = await loadSamples(SAMPLE_DIR);
    byId = new Map(samples.map((s) => [s.record.eventID, s]));
    server = await startTestServer({ accountId: INVICTUS_ACCOUNT, historyRetentionDays: 36500 });
    firstImport = await importSamples();
  });

  after(async () => {
    await server?.dispose();
  });

  it('reads the sample set as 1,448 management events of one account in us-east-1', () => {
    assert.equal(samples.length, SAMPLE_RECORDS);
    assert.equal(byId.size, SAMPLE_RECORDS);
    for (const { record } of samples) {
      assert.equal(record.recipientAccountId, INVICTUS_ACCOUNT);
      assert.equal(record.awsRegion, REGION);
      assert.equal(record.eventCategory ?? 'Management', 'Management');
    }
  });

  it('opentrail import records all 1,448 records once and records none on a second import', async () => {
    assert.equal(firstImport.code, 0, firstImport.stderr);
    assert.match(
      firstImport.stdout,
      new RegExp(
        `Imported ${SAMPLE_FILES} of ${SAMPLE_FILES} files: ${SAMPLE_RECORDS} recorded, 0 already present, 0 failed`,
      ),
    );
    const second = await importSamples();
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      new RegExp(
        `Imported ${SAMPLE_FILES} of ${SAMPLE_FILES} files: 0 recorded, ${SAMPLE_RECORDS} already present, 0 failed`,
      ),
    );
  });

  describe('each lookup attribute returns exactly the matching sample records', () => {
    const results = new Map<
      string,
      { v1: CliPage; v2: CliPage; boto3: { ids: string[]; pageSizes: number[] } }
    >();

    before(async () => {
      const boto3Script = `
import json, sys, boto3
args = json.loads(sys.argv[1])
client = boto3.client('cloudtrail', endpoint_url=args['url'], region_name='us-east-1')
out = {}
for key, value in args['attributes']:
    pages = client.get_paginator('lookup_events').paginate(
        LookupAttributes=[{'AttributeKey': key, 'AttributeValue': value}],
        PaginationConfig={'PageSize': 7})
    ids, sizes = [], []
    for page in pages:
        sizes.append(len(page['Events']))
        ids.extend(e['EventId'] for e in page['Events'])
    out[key] = {'ids': ids, 'pageSizes': sizes}
print(json.dumps(out))
`;
      const [boto3Result, ...cliResults] = await Promise.all([
        python(boto3Script, { url: server.url, attributes: ATTRIBUTE_CASES.map((c) => [c.key, c.value]) }),
        ...ATTRIBUTE_CASES.flatMap((c) => [
          lookup(AWS_CLI_V1, attributeArgs(c.key, c.value)),
          lookup(AWS_CLI_V2, attributeArgs(c.key, c.value)),
        ]),
      ]);
      const boto3 = parseJson<Record<string, { ids: string[]; pageSizes: number[] }>>(
        boto3Result,
        'boto3 lookup_events paginator',
      );
      ATTRIBUTE_CASES.forEach((c, i) => {
        results.set(c.key, {
          v1: cliResults[2 * i] as CliPage,
          v2: cliResults[2 * i + 1] as CliPage,
          boto3: boto3[c.key] as { ids: string[]; pageSizes: number[] },
        });
      });
    });

    for (const c of ATTRIBUTE_CASES) {
      it(`${c.key}=${c.value} gives the same records to CLI v1, CLI v2 and boto3 (PageSize 7)`, () => {
        const expected = sorted(samples.filter(c.matches).map((s) => s.record.eventID));
        assert.ok(
          expected.length > 0 && expected.length < SAMPLE_RECORDS / 2,
          `${c.key}=${c.value} is selective`,
        );
        const got = results.get(c.key);
        assert.ok(got);
        for (const [client, page] of [
          ['AWS CLI v1', got.v1],
          ['AWS CLI v2', got.v2],
        ] as const) {
          assert.deepEqual(sorted(idsOf(page.Events)), expected, `${client} ${c.key}=${c.value}`);
          assert.equal(page.NextToken, undefined, `${client} read every page`);
          assertEventsMatchSamples(page.Events, `${client} ${c.key}=${c.value}`);
        }
        // The CLIs read pages of 50 and boto3 pages of 7: the order must not depend on page size.
        assert.deepEqual(idsOf(got.v2.Events), idsOf(got.v1.Events));
        assert.deepEqual(got.boto3.ids, idsOf(got.v1.Events), `boto3 ${c.key}=${c.value}`);
        const fullPages = Math.floor(expected.length / 7);
        assert.deepEqual(
          got.boto3.pageSizes.slice(0, fullPages),
          Array.from({ length: fullPages }, () => 7),
          'boto3 pages hold PageSize events',
        );
        assert.equal(
          got.boto3.pageSizes.reduce((a, b) => a + b, 0),
          expected.length,
        );
        assert.ok(got.boto3.pageSizes.length <= fullPages + 1, 'no pages after the last event');
      });
    }
  });

  it('returns CloudTrailEvent byte for byte as the record text in the imported file', async () => {
    const chosen = [
      samples[0],
      samples[samples.length - 1],
      // Records whose parameters hold escaped JSON documents (\" and \n inside strings).
      byId.get('18277792-3333-4d87-816f-4f6da4c81b35'),
      byId.get('a092fecb-2cb1-4c68-809d-1edf688badef'),
      byId.get('bf7bed35-f285-4212-99e8-f90e1f6c1359'),
    ] as Sample[];
    const pages = await Promise.all(
      chosen.map((s) => lookup(AWS_CLI_V2, attributeArgs('EventId', s.record.eventID))),
    );
    pages.forEach((page, i) => {
      const sample = chosen[i] as Sample;
      assert.equal(page.Events.length, 1, `EventId=${sample.record.eventID}`);
      const event = page.Events[0] as CliEvent;
      assert.equal(event.EventId, sample.record.eventID);
      assert.ok(
        Buffer.from(event.CloudTrailEvent, 'utf8').equals(Buffer.from(sample.raw, 'utf8')),
        `CloudTrailEvent of ${sample.record.eventID} differs from the file's record text`,
      );
    });
  });

  it('walks pages with --max-items/--starting-token and --page-size without gaps or overlap, newest first', async () => {
    const attribute = attributeArgs('EventName', 'DescribeVpcAttribute');
    const expected = sorted(
      samples.filter((s) => s.record.eventName === 'DescribeVpcAttribute').map((s) => s.record.eventID),
    );
    assert.ok(expected.length > 10, 'enough events for three pages of 5');

    const walk = async (extra: string[]): Promise<CliEvent[][]> => {
      const pages: CliEvent[][] = [];
      let token: string | undefined;
      do {
        const page = await lookup(AWS_CLI_V2, [
          ...attribute,
          '--max-items',
          '5',
          ...extra,
          ...(token !== undefined ? ['--starting-token', token] : []),
        ]);
        pages.push(page.Events);
        token = page.NextToken;
        assert.ok(pages.length <= expected.length, 'the walk ends');
      } while (token !== undefined);
      return pages;
    };

    const [full, smallPages, walked, walkedSmallPages] = await Promise.all([
      lookup(AWS_CLI_V2, attribute),
      lookup(AWS_CLI_V2, [...attribute, '--page-size', '3']),
      walk([]),
      walk(['--page-size', '3']),
    ]);
    assert.deepEqual(sorted(idsOf(full.Events)), expected);
    assertEventsMatchSamples(full.Events, 'full result');
    assert.deepEqual(idsOf(smallPages.Events), idsOf(full.Events), '--page-size 3');
    for (const [what, pages] of [
      ['--max-items 5', walked],
      ['--max-items 5 --page-size 3', walkedSmallPages],
    ] as const) {
      assert.deepEqual(
        pages.map((p) => p.length),
        [5, 5, expected.length - 10],
        `${what}: page sizes`,
      );
      const concatenated = pages.flatMap(idsOf);
      assert.equal(new Set(concatenated).size, concatenated.length, `${what}: no event on two pages`);
      assert.deepEqual(concatenated, idsOf(full.Events), `${what}: pages concatenate to the full result`);
    }
  });

  it('--start-time/--end-time returns exactly the records with eventTime in [start, end], ends included', async () => {
    // The second range starts and ends on seconds that hold sample events, so both ends are tested.
    const ranges = [
      ['2023-07-10T11:50:00Z', '2023-07-10T12:00:00Z'],
      ['2023-07-10T12:00:00Z', '2023-07-10T12:00:33Z'],
    ] as const;
    const pages = await Promise.all(
      ranges.map(([start, end]) => lookup(AWS_CLI_V2, ['--start-time', start, '--end-time', end])),
    );
    ranges.forEach(([start, end], i) => {
      const [startMs, endMs] = [Date.parse(start), Date.parse(end)];
      const inRange = samples.filter((s) => {
        const t = Date.parse(s.record.eventTime);
        return t >= startMs && t <= endMs;
      });
      const onEnd = (ms: number): boolean => inRange.some((s) => Date.parse(s.record.eventTime) === ms);
      assert.ok(onEnd(endMs), `samples have events at ${end}`);
      if (i === 1) assert.ok(onEnd(startMs), `samples have events at ${start}`);
      const page = pages[i] as CliPage;
      assert.deepEqual(
        sorted(idsOf(page.Events)),
        sorted(inRange.map((s) => s.record.eventID)),
        `${start} to ${end}`,
      );
      assertEventsMatchSamples(page.Events, `${start} to ${end}`);
    });
  });

  it('answers invalid requests from the CLIs with the AWS exception names', async () => {
    const cases: { args: string[]; code: string }[] = [
      {
        args: [
          '--lookup-attributes',
          'AttributeKey=EventName,AttributeValue=GetUser',
          'AttributeKey=Username,AttributeValue=benjamin',
        ],
        code: 'InvalidLookupAttributesException',
      },
      { args: ['--max-results', '51'], code: 'InvalidMaxResultsException' },
      {
        args: ['--start-time', '2023-07-10T12:00:00Z', '--end-time', '2023-07-10T11:00:00Z'],
        code: 'InvalidTimeRangeException',
      },
      // Neither CLI checks the enum before sending.
      { args: ['--event-category', 'foo'], code: 'InvalidEventCategoryException' },
      { args: attributeArgs('Bogus', 'x'), code: 'InvalidLookupAttributesException' },
    ];
    const runs = cases.flatMap((c) => [AWS_CLI_V1, AWS_CLI_V2].map((bin) => ({ ...c, bin })));
    const results = await Promise.all(runs.map((r) => cli(r.bin, r.args)));
    results.forEach((result, i) => {
      const r = runs[i] as (typeof runs)[number];
      const what = `${r.bin} ${r.args.join(' ')}`;
      assert.notEqual(result.code, 0, `${what} exited 0:\n${result.stdout}`);
      assert.ok(
        result.stderr.includes(`(${r.code}) when calling the LookupEvents operation`),
        `${what}: expected ${r.code} in:\n${result.stderr}`,
      );
    });
  });

  it('answers bad tokens and unknown keys from boto3 with the AWS exception names', async () => {
    const script = `
import json, sys, boto3, botocore.config
from botocore.exceptions import ClientError
args = json.loads(sys.argv[1])
client = boto3.client('cloudtrail', endpoint_url=args['url'], region_name='us-east-1',
                      config=botocore.config.Config(parameter_validation=False))
def code(**kwargs):
    try:
        client.lookup_events(**kwargs)
        return 'no error'
    except ClientError as e:
        return e.response['Error']['Code']
first = client.lookup_events(
    LookupAttributes=[{'AttributeKey': 'EventName', 'AttributeValue': 'GetPasswordData'}], MaxResults=5)
token = first['NextToken']
second = client.lookup_events(
    LookupAttributes=[{'AttributeKey': 'EventName', 'AttributeValue': 'GetPasswordData'}], MaxResults=5,
    NextToken=token)
print(json.dumps({
    'garbage token': code(NextToken='abc'),
    'token of another query': code(
        LookupAttributes=[{'AttributeKey': 'EventName', 'AttributeValue': 'AssumeRole'}], NextToken=token),
    'tampered token': code(
        LookupAttributes=[{'AttributeKey': 'EventName', 'AttributeValue': 'GetPasswordData'}], MaxResults=5,
        NextToken=token[:-2] + ('AA' if token[-2:] != 'AA' else 'BB')),
    'unknown key': code(LookupAttributes=[{'AttributeKey': 'Bogus', 'AttributeValue': 'x'}]),
    'unknown category': code(EventCategory='foo'),
    'max results 0': code(MaxResults=0),
    'second page': [e['EventId'] for e in second['Events']],
    'first page': [e['EventId'] for e in first['Events']],
}))
`;
    const out = parseJson<Record<string, string | string[]>>(
      await python(script, { url: server.url }),
      'boto3',
    );
    assert.equal(out['garbage token'], 'InvalidNextTokenException');
    assert.equal(out['token of another query'], 'InvalidNextTokenException');
    assert.equal(out['tampered token'], 'InvalidNextTokenException');
    assert.equal(out['unknown key'], 'InvalidLookupAttributesException');
    assert.equal(out['unknown category'], 'InvalidEventCategoryException');
    assert.equal(out['max results 0'], 'InvalidMaxResultsException');
    // The token is still good for the query it came from.
    const expected = samples.filter((s) => s.record.eventName === 'GetPasswordData').length;
    assert.equal((out['first page'] as string[]).length, 5);
    assert.equal((out['second page'] as string[]).length, Math.min(5, expected - 5));
    for (const id of out['second page'] as string[]) assert.ok(!(out['first page'] as string[]).includes(id));
  });

  it('records its own LookupEvents calls, which EventName=LookupEvents then finds (self-audit)', async () => {
    const startedMs = Date.now() - 1000;
    const marker = `SelfAuditProbe-${randomUUID()}`;
    const probe = await lookup(AWS_CLI_V2, attributeArgs('EventName', marker));
    assert.deepEqual(probe.Events, []);

    const audit = await lookup(AWS_CLI_V1, attributeArgs('EventName', 'LookupEvents'));
    const events = audit.Events.map((e) => ({
      event: e,
      record: JSON.parse(e.CloudTrailEvent) as CloudTrailRecord,
    }));
    assert.ok(events.length > 0);
    for (const { event } of events) {
      assert.equal(event.EventName, 'LookupEvents');
      assert.equal(event.EventSource, 'cloudtrail.amazonaws.com');
    }
    const found = events.filter(({ record }) => {
      const attributes = (
        record.requestParameters as { lookupAttributes?: { attributeValue?: string }[] } | null
      )?.lookupAttributes;
      return attributes?.[0]?.attributeValue === marker;
    });
    assert.equal(found.length, 1, 'the probe call is recorded once');
    const { event, record } = found[0] as (typeof found)[number];
    assert.equal(event.Username, 'admin');
    assert.equal(event.ReadOnly, 'true');
    assert.equal(event.AccessKeyId, server.accessKeyId);
    assert.ok(
      eventTimeMs(event) >= Math.floor(startedMs / 1000) * 1000,
      'the probe happened during this test',
    );
    assert.match(record.userAgent ?? '', /aws-cli\/2\./);
    assert.equal(record.recipientAccountId, INVICTUS_ACCOUNT);
    assert.equal(record.awsRegion, REGION);
    assert.equal(record.eventID, event.EventId);
    // Failed calls are recorded too, with the error they were answered with.
    assert.ok(
      events.some(({ record: r }) => r.errorCode === 'InvalidMaxResultsException'),
      'the refused --max-results 51 call is in Event history',
    );
  });
});
