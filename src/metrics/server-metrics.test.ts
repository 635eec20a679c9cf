import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { GroupCommitter } from '../ingest/index.ts';
import { ConsumerRunner, type CursorState, type LogConsumer, type NewEvent } from '../store/index.ts';
import { MemoryEventStore } from '../store/memory-event-store.ts';
import { parseExposition, sampleValue } from './exposition.test-helpers.ts';
import { startAdminServer } from './admin-server.ts';
import { ServerMetrics } from './server-metrics.ts';

const logger = pino({ level: 'silent' });

function event(id: string): NewEvent {
  return {
    eventId: id,
    accountId: '111111111111',
    region: 'us-east-1',
    eventTimeMs: 1000,
    eventName: 'PutThing',
    eventSource: 'things.amazonaws.com',
    username: null,
    accessKeyId: null,
    readOnly: null,
    category: 'Management',
    resourceTypes: [],
    resourceNames: [],
    raw: `{"eventID":"${id}"}`,
  };
}

/** An event log whose every append fails. */
class FullDiskEventStore extends MemoryEventStore {
  override append(): Promise<never> {
    return Promise.reject(new Error('disk full'));
  }
}

/** A log consumer over `keys` that never consumes: its lag is what the test set up. */
function stalledConsumer(keys: string[]): LogConsumer {
  return {
    keys: () => keys,
    cursorOf: (key) => `test:${key}`,
    missingCursor: 'wait',
    limitSeq: (_key: string, _cursor: CursorState) => undefined,
    consume: () => Promise.resolve({ kind: 'idle' }),
  };
}

describe('ServerMetrics', () => {
  it('exposes every metric with HELP and TYPE in the text format, process metrics included', async () => {
    const metrics = new ServerMetrics({ logger });
    assert.equal(metrics.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(await metrics.metrics());
    const expected: [string, string][] = [
      ['opentrail_api_requests_total', 'counter'],
      ['opentrail_api_request_duration_seconds', 'histogram'],
      ['opentrail_events_recorded_total', 'counter'],
      ['opentrail_events_duplicate_total', 'counter'],
      ['opentrail_group_commit_batch_events', 'histogram'],
      ['opentrail_group_commit_duration_seconds', 'histogram'],
      ['opentrail_group_commit_failures_total', 'counter'],
      ['opentrail_group_commit_queued_events', 'gauge'],
      ['opentrail_consumer_lag_events', 'gauge'],
      ['opentrail_consumer_lag_seconds', 'gauge'],
      ['opentrail_consumer_failures_total', 'counter'],
      ['opentrail_lake_queries', 'gauge'],
      ['process_resident_memory_bytes', 'gauge'],
      ['nodejs_heap_size_used_bytes', 'gauge'],
    ];
    for (const [name, type] of expected) {
      const family = families.get(name);
      assert.equal(family?.type, type, `${name} is a ${type}`);
      assert.ok(family.help && family.help.length > 0, `${name} has HELP`);
    }
    assert.ok((sampleValue(families, 'process_resident_memory_bytes') ?? 0) > 0);
  });

  it('counts group-commit transactions: events recorded and duplicate, batch sizes, failures', async () => {
    const metrics = new ServerMetrics({ logger, processMetrics: false });
    const store = new MemoryEventStore();
    const committer = new GroupCommitter(store, undefined, metrics);
    metrics.measureGroupCommit(() => committer.backlog);
    await Promise.all([committer.append([event('a'), event('b')]), committer.append([event('c')])]);
    await committer.append([event('a'), event('d')]);

    const families = parseExposition(await metrics.metrics());
    assert.equal(sampleValue(families, 'opentrail_events_recorded_total'), 4);
    assert.equal(sampleValue(families, 'opentrail_events_duplicate_total'), 1);
    const transactions = sampleValue(families, 'opentrail_group_commit_batch_events_count') ?? 0;
    assert.ok(transactions >= 2 && transactions <= 3, `2 or 3 transactions, got ${transactions}`);
    assert.equal(sampleValue(families, 'opentrail_group_commit_batch_events_sum'), 5);
    assert.equal(sampleValue(families, 'opentrail_group_commit_duration_seconds_count'), transactions);
    assert.equal(sampleValue(families, 'opentrail_group_commit_queued_events'), 0);

    const failing = new GroupCommitter(new FullDiskEventStore(), undefined, metrics);
    await assert.rejects(failing.append([event('e')]), /disk full/);
    const after = parseExposition(await metrics.metrics());
    assert.equal(sampleValue(after, 'opentrail_group_commit_failures_total'), 1);
    assert.equal(sampleValue(after, 'opentrail_events_recorded_total'), 4);
  });

  it('measures each watched consumer key’s lag at scrape time, and forgets a closed runner', async () => {
    const clock = { ms: 10_000 };
    const events = new MemoryEventStore({ now: () => clock.ms });
    await events.append([event('a'), event('b'), event('c')]);
    const metrics = new ServerMetrics({ logger, processMetrics: false });
    const consumer = { ...stalledConsumer(['trail-1', 'trail-2']), limitSeq: () => events.lastSeq() };
    const runner = new ConsumerRunner(
      { log: consumer, events },
      {
        name: 'log file delivery',
        intervalMs: 1000,
        retryInitialMs: 0,
        retryMaxMs: 0,
        logger,
        now: () => clock.ms,
        observer: metrics,
      },
    );
    await events.commitCursor('test:trail-1', 1n);
    await events.commitCursor('test:trail-2', 3n);
    clock.ms = 25_000;

    const families = parseExposition(await metrics.metrics());
    const labels = (key: string): Record<string, string> => ({ consumer: 'log file delivery', key });
    assert.equal(sampleValue(families, 'opentrail_consumer_lag_events', labels('trail-1')), 2);
    assert.equal(sampleValue(families, 'opentrail_consumer_lag_seconds', labels('trail-1')), 15);
    assert.equal(sampleValue(families, 'opentrail_consumer_lag_events', labels('trail-2')), 0);
    assert.equal(sampleValue(families, 'opentrail_consumer_lag_seconds', labels('trail-2')), 0);

    await runner.close();
    const after = parseExposition(await metrics.metrics());
    assert.deepEqual(after.get('opentrail_consumer_lag_events')?.samples, []);
  });

  it('counts consumer failures by consumer and stage, and escapes label values', async () => {
    const metrics = new ServerMetrics({ logger, processMetrics: false });
    metrics.failed('digest delivery', 'arn:aws:cloudtrail:us-east-1:111111111111:trail/t', 'round');
    metrics.failed('digest delivery', 'arn:aws:cloudtrail:us-east-1:111111111111:trail/t', 'round');
    metrics.failed('log file delivery', 'k', 'after-commit');
    metrics.observeRequest('a "quoted" \\ name\nnext', 200, 3);
    const text = await metrics.metrics();
    assert.match(text, /operation="a \\"quoted\\" \\\\ name\\nnext"/);
    const families = parseExposition(text);
    const failures = (consumer: string, stage: string): number | undefined =>
      sampleValue(families, 'opentrail_consumer_failures_total', { consumer, stage });
    assert.equal(failures('digest delivery', 'round'), 2);
    assert.equal(failures('log file delivery', 'after-commit'), 1);
    assert.equal(
      sampleValue(families, 'opentrail_api_requests_total', {
        operation: 'a "quoted" \\ name\nnext',
        status: '200',
      }),
      1,
    );
  });

  it('reads Lake query counts by state at scrape time', async () => {
    const metrics = new ServerMetrics({ logger, processMetrics: false });
    let stats = { queued: 3, running: 1 };
    metrics.measureQueries(() => stats);
    let families = parseExposition(await metrics.metrics());
    assert.equal(sampleValue(families, 'opentrail_lake_queries', { state: 'queued' }), 3);
    assert.equal(sampleValue(families, 'opentrail_lake_queries', { state: 'running' }), 1);
    stats = { queued: 0, running: 2 };
    families = parseExposition(await metrics.metrics());
    assert.equal(sampleValue(families, 'opentrail_lake_queries', { state: 'queued' }), 0);
    assert.equal(sampleValue(families, 'opentrail_lake_queries', { state: 'running' }), 2);
  });
});

describe('startAdminServer()', () => {
  it('serves GET and HEAD /metrics in the text format, 405 for other methods, 404 elsewhere', async () => {
    const metrics = new ServerMetrics({ logger, processMetrics: false });
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0 }, metrics, logger);
    try {
      const scrape = await fetch(`${admin.url}/metrics`);
      assert.equal(scrape.status, 200);
      assert.equal(scrape.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      assert.ok(parseExposition(await scrape.text()).has('opentrail_events_recorded_total'));
      const head = await fetch(`${admin.url}/metrics`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      const post = await fetch(`${admin.url}/metrics`, { method: 'POST', body: '' });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get('allow'), 'GET, HEAD');
      assert.equal((await fetch(`${admin.url}/`)).status, 404);
    } finally {
      await admin.close();
      await admin.close();
    }
  });
});

describe('parseExposition()', () => {
  it('refuses what the text format does not allow', () => {
    const bad = [
      'm{a="1" 1\n',
      'm{a=1} 1\n',
      'm{1a="x"} 1\n',
      'm{a="x\\t"} 1\n',
      'm one\n',
      '# TYPE m counter\n# TYPE m counter\nm 1\n',
      '# TYPE m gauge\nm 1\nother 2\nm 3\n',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 3\nh_sum 1\nh_count 4\n',
      'm 1',
    ];
    for (const text of bad)
      assert.throws(() => parseExposition(text), assert.AssertionError, JSON.stringify(text));
  });
});
