/**
 * Operability: the real server with `--metrics-address` on port 0, driven by signed requests and
 * the AWS SDK, scraped at /metrics as Prometheus would scrape it; and the request log lines that
 * carry each call's request ID.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateTrailCommand, StartLoggingCommand, type CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { pino } from 'pino';
import { ConfigError, parseMetricsAddress, validateConfig } from '../src/config.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { startServer, type RunningServer } from '../src/main.ts';
import { parseExposition, sampleValue, type MetricFamily } from '../src/metrics/exposition.test-helpers.ts';
import { makeTempDir, startTestServer } from './helpers/server.ts';
import { buildRequest, createSigner, sendRequest, signAndSend } from './helpers/signed-fetch.ts';
import { cloudTrailClient, syntheticRecord } from './helpers/trails.ts';

/** Log lines the server wrote, parsed. */
class LogLines extends Writable {
  readonly lines: Record<string, unknown>[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString().split('\n'))
      if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

describe('GET /metrics on the admin address (--metrics-address)', () => {
  let server: RunningServer;
  let dataDir: string;
  let client: CloudTrailClient;
  const log = new LogLines();

  const scrape = async (): Promise<Map<string, MetricFamily>> => {
    assert.ok(server.metricsUrl, 'the server says where its metrics are');
    const response = await fetch(`${server.metricsUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(await response.text());
  };

  const recordEvents = async (count: number): Promise<Response['headers']> => {
    const body = JSON.stringify({
      Records: Array.from(
        { length: count },
        (_, n) => JSON.parse(syntheticRecord(server.accountId, 'us-east-1', { n })) as unknown,
      ),
    });
    const response = await signAndSend(
      server.url,
      createSigner(server),
      buildRequest(server.url, {
        path: '/v1/records',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    );
    assert.equal(response.status, 200, response.text);
    assert.equal((JSON.parse(response.text) as { successful: unknown[] }).successful.length, count);
    return response.headers;
  };

  before(async () => {
    dataDir = await makeTempDir();
    const config = validateConfig({
      port: 0,
      dataDir,
      logLevel: 'debug',
      metricsAddress: { host: '127.0.0.1', port: 0 },
    });
    server = await startServer(config, pino({ level: 'debug' }, log));
    client = cloudTrailClient(server);
    await LocalDirObjectStore.createBucket(join(dataDir, 'buckets'), 'metrics-trail-logs');
  });
  after(async () => {
    client.destroy();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('counts recording calls, their latency, the events they made durable and the group commit', async () => {
    const before = await scrape();
    const recordedBefore = sampleValue(before, 'opentrail_events_recorded_total') ?? 0;
    const commitsBefore = sampleValue(before, 'opentrail_group_commit_batch_events_count') ?? 0;

    await recordEvents(3);
    await recordEvents(2);

    const families = await scrape();
    const requests = { operation: 'RecordEvents', status: '200' };
    assert.equal(sampleValue(families, 'opentrail_api_requests_total', requests), 2);
    assert.equal(
      sampleValue(families, 'opentrail_api_request_duration_seconds_count', { operation: 'RecordEvents' }),
      2,
    );
    assert.ok(
      (sampleValue(families, 'opentrail_api_request_duration_seconds_sum', { operation: 'RecordEvents' }) ??
        0) > 0,
    );
    // Each call records its events and its own audit record.
    const recorded = (sampleValue(families, 'opentrail_events_recorded_total') ?? 0) - recordedBefore;
    assert.equal(recorded, 3 + 2 + 2);
    const commits = (sampleValue(families, 'opentrail_group_commit_batch_events_count') ?? 0) - commitsBefore;
    assert.ok(commits >= 1 && commits <= 2, `one transaction per call at most, got ${commits}`);
    assert.equal(sampleValue(families, 'opentrail_group_commit_failures_total'), 0);
    assert.equal(sampleValue(families, 'opentrail_group_commit_queued_events'), 0);
    assert.ok((sampleValue(families, 'process_resident_memory_bytes') ?? 0) > 0);
    assert.ok((sampleValue(families, 'nodejs_heap_size_used_bytes') ?? 0) > 0);
    assert.equal(sampleValue(families, 'opentrail_lake_queries', { state: 'queued' }), 0);
    assert.equal(sampleValue(families, 'opentrail_lake_queries', { state: 'running' }), 0);
  });

  it('labels a request without a verified caller None, never with the operation it claims', async () => {
    const response = await sendRequest(
      server.url,
      buildRequest(server.url, {
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.Made_Up_Operation',
        },
        body: '{}',
      }),
    );
    assert.ok(response.status >= 400 && response.status < 500, `refused, got ${response.status}`);
    const families = await scrape();
    const labelled = families.get('opentrail_api_requests_total')?.samples ?? [];
    assert.ok(
      labelled.some((s) => s.labels.operation === 'None' && s.labels.status === String(response.status)),
    );
    assert.ok(!labelled.some((s) => /Made_Up/.test(s.labels.operation ?? '')));
  });

  it("shows a trail's delivery lag in events and seconds, and 0 once delivered", async () => {
    const { TrailARN } = await client.send(
      new CreateTrailCommand({ Name: 'metrics-trail', S3BucketName: 'metrics-trail-logs' }),
    );
    assert.ok(TrailARN);
    await client.send(new StartLoggingCommand({ Name: 'metrics-trail' }));
    await server.flush();
    await recordEvents(4);

    const lagOf = (families: Map<string, MetricFamily>, name: string): number | undefined =>
      sampleValue(families, name, { consumer: 'log file delivery', key: TrailARN });
    const behind = await scrape();
    // The four records and the RecordEvents call's own audit record wait for the next round.
    assert.ok((lagOf(behind, 'opentrail_consumer_lag_events') ?? 0) >= 5);
    assert.ok((lagOf(behind, 'opentrail_consumer_lag_seconds') ?? -1) >= 0);

    await server.flush();
    const delivered = await scrape();
    assert.equal(lagOf(delivered, 'opentrail_consumer_lag_events'), 0);
    assert.equal(lagOf(delivered, 'opentrail_consumer_lag_seconds'), 0);
    assert.equal(
      sampleValue(delivered, 'opentrail_consumer_failures_total', {
        consumer: 'log file delivery',
        stage: 'round',
      }),
      undefined,
      'no delivery failed',
    );
  });

  it('writes a structured log line for each request, carrying its request ID', async () => {
    const headers = await recordEvents(1);
    const requestId = headers.get('x-amzn-requestid');
    assert.ok(requestId);
    const line = log.lines.find((l) => l.requestId === requestId);
    assert.ok(line, 'a log line names the request ID the caller was given');
    assert.equal(line.operation, 'RecordEvents');
    assert.equal(line.status, 200);
    assert.equal(typeof line.durationMs, 'number');
  });

  it('answers only GET and HEAD /metrics', async () => {
    assert.equal((await fetch(`${server.metricsUrl}/metrics`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${server.metricsUrl}/`)).status, 404);
  });
});

describe('metrics are off unless --metrics-address is given', () => {
  it('starts no metrics listener by default', async () => {
    const server = await startTestServer();
    try {
      assert.equal(server.metricsUrl, undefined);
    } finally {
      await server.dispose();
    }
  });
});

describe('parseMetricsAddress()', () => {
  it('reads host:port, [ipv6]:port and a port alone (on loopback)', () => {
    assert.deepEqual(parseMetricsAddress('127.0.0.1:9599'), { host: '127.0.0.1', port: 9599 });
    assert.deepEqual(parseMetricsAddress('[::1]:9599'), { host: '::1', port: 9599 });
    assert.deepEqual(parseMetricsAddress('0.0.0.0:0'), { host: '0.0.0.0', port: 0 });
    assert.deepEqual(parseMetricsAddress('9599'), { host: '127.0.0.1', port: 9599 });
    assert.deepEqual(parseMetricsAddress(':9599'), { host: '127.0.0.1', port: 9599 });
  });

  it('refuses what is not an address and a port', () => {
    for (const bad of ['', 'localhost', '127.0.0.1:', '::1:9599', '127.0.0.1:70000', 'host:port']) {
      assert.throws(() => parseMetricsAddress(bad), ConfigError, bad);
    }
  });
});
