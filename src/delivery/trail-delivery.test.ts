import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryConsumer } from '../trails/index.ts';
import {
  ACCOUNT,
  OTHER_ACCOUNT,
  createTrail,
  fixture,
  logFiles,
  logger,
  record,
  startLogging,
  stopLogging,
  type Fixture,
} from './delivery-fixtures.test-helpers.ts';
import { DEFAULT_DELIVERY_OPTIONS, TrailDelivery, type DeliveryOptions } from './trail-delivery.ts';

function deliveryOf(f: Fixture, options: Partial<DeliveryOptions> = {}): TrailDelivery {
  return new TrailDelivery(
    { events: f.events, trails: f.trails, bucket: (name) => f.buckets.store(name), logger, now: f.now },
    { ...DEFAULT_DELIVERY_OPTIONS, retryInitialMs: 1000, retryMaxMs: 4000, ...options },
  );
}

describe('TrailDelivery', () => {
  it('delivers the events after the cursor once, one log file per account and region, and moves the cursor', async () => {
    const f = await fixture();
    f.buckets.create('logs');
    const trail = await createTrail(f, 'main');
    await f.events.append([record('before')]);
    await startLogging(f, trail.arn);
    await f.events.append([
      record('east-1'),
      record('west-1', 'us-west-2'),
      record('east-2'),
      record('stranger', 'us-east-1', OTHER_ACCOUNT),
    ]);
    const delivery = deliveryOf(f);
    await delivery.runOnce();

    const files = await logFiles(f);
    assert.deepEqual(
      files.map((file) => file.ids),
      [['east-1', 'east-2'], ['west-1']],
    );
    assert.match(
      files[0]?.key ?? '',
      new RegExp(
        `^AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/05/01/${ACCOUNT}_CloudTrail_us-east-1_20260501T1200Z_[A-Za-z0-9]{16}\\.json\\.gz$`,
      ),
    );
    assert.deepEqual(await f.events.getCursorState(deliveryConsumer(trail.arn)), { seq: 5n });
    const status = f.trails.get(trail.arn)?.status;
    assert.equal(status?.latestDeliveryTimeMs, f.clock.ms);
    assert.equal(status?.latestDeliveryAttemptSucceededMs, f.clock.ms);
    assert.equal(status?.latestDeliveryError, undefined);

    await delivery.runOnce();
    assert.deepEqual(await logFiles(f), files, 'a round with nothing new delivers nothing');
    await delivery.close();
  });

  it('retries a failing bucket with capped exponential backoff, then delivers what waited', async () => {
    const f = await fixture();
    const trail = await createTrail(f, 'main');
    await startLogging(f, trail.arn);
    await f.events.append([record('a'), record('b')]);
    const delivery = deliveryOf(f);
    const startMs = f.clock.ms;
    const attempts: number[] = [];
    const runAt = async (offsetMs: number): Promise<void> => {
      f.clock.ms = startMs + offsetMs;
      await delivery.runOnce();
      const status = f.trails.get(trail.arn)?.status;
      if (status?.latestDeliveryAttemptTimeMs === f.clock.ms) attempts.push(offsetMs);
    };
    for (const offsetMs of [0, 999, 1000, 2999, 3000, 6999, 7000, 10_999, 11_000]) await runAt(offsetMs);
    assert.deepEqual(attempts, [0, 1000, 3000, 7000, 11_000], 'waits of 1 s, 2 s, 4 s, then 4 s at most');
    const failing = f.trails.get(trail.arn)?.status;
    assert.equal(failing?.latestDeliveryError, 'NoSuchBucket');
    assert.equal(failing?.latestDeliveryTimeMs, undefined);

    f.buckets.create('logs');
    await runAt(14_999);
    assert.deepEqual(await logFiles(f), [], 'still waiting out the backoff');
    await runAt(15_000);
    assert.deepEqual(
      (await logFiles(f)).map((file) => file.ids),
      [['a', 'b']],
    );
    const recovered = f.trails.get(trail.arn)?.status;
    assert.equal(recovered?.latestDeliveryError, undefined);
    assert.equal(recovered?.latestDeliveryAttemptSucceededMs, startMs + 15_000);
    await delivery.close();
  });

  it('flush() delivers at once, whatever the backoff', async () => {
    const f = await fixture();
    const trail = await createTrail(f, 'main');
    await startLogging(f, trail.arn);
    await f.events.append([record('a')]);
    const delivery = deliveryOf(f, { retryInitialMs: 3_600_000 });
    await delivery.runOnce();
    f.buckets.create('logs');
    await delivery.runOnce();
    assert.deepEqual(await logFiles(f), []);
    await delivery.flush();
    assert.deepEqual(
      (await logFiles(f)).map((file) => file.ids),
      [['a']],
    );
  });

  it('replays a range planned before a crash under the same file names, then goes on', async () => {
    const f = await fixture();
    f.buckets.create('logs');
    const trail = await createTrail(f, 'main');
    await startLogging(f, trail.arn);
    await f.events.append([record('a'), record('b', 'eu-west-1'), record('c')]);
    const delivery = deliveryOf(f);
    await delivery.runOnce();
    const first = await logFiles(f);

    // As after a crash between writing the files and moving the cursor.
    const cursor = deliveryConsumer(trail.arn);
    await f.events.commitCursor(cursor, 0n);
    await f.events.planCursor(cursor, 3n);
    await f.events.append([record('d')]);
    f.clock.ms += 120_000;
    await delivery.runOnce();

    const after = await logFiles(f);
    assert.deepEqual(
      after.filter((file) => first.some((g) => g.key === file.key)),
      first,
      'the replay overwrote the same files with the same records',
    );
    assert.deepEqual(
      after.filter((file) => !first.some((g) => g.key === file.key)).map((file) => file.ids),
      [['d']],
    );
    assert.deepEqual(await f.events.getCursorState(cursor), { seq: 4n });
  });

  it('reads a backlog in batches of maxEventsPerRound, each its own files', async () => {
    const f = await fixture();
    f.buckets.create('logs');
    const trail = await createTrail(f, 'main');
    await startLogging(f, trail.arn);
    await f.events.append(Array.from({ length: 5 }, (_, i) => record(`e${i}`)));
    await deliveryOf(f, { maxEventsPerRound: 2 }).runOnce();
    assert.deepEqual((await logFiles(f)).map((file) => file.ids).sort(), [
      ['e0', 'e1'],
      ['e2', 'e3'],
      ['e4'],
    ]);
  });

  it('delivers up to where logging stopped and nothing recorded after it', async () => {
    const f = await fixture();
    f.buckets.create('logs');
    const trail = await createTrail(f, 'main');
    await startLogging(f, trail.arn);
    await f.events.append([record('kept')]);
    await stopLogging(f, trail.arn);
    await f.events.append([record('after-stop')]);
    const delivery = deliveryOf(f);
    await delivery.runOnce();
    await delivery.flush();
    assert.deepEqual(
      (await logFiles(f)).map((file) => file.ids),
      [['kept']],
    );
  });

  it('forget() drops the cursor of a deleted trail, and no round runs for it', async () => {
    const f = await fixture();
    f.buckets.create('logs');
    const trail = await createTrail(f, 'main');
    await startLogging(f, trail.arn);
    await f.events.append([record('a')]);
    const delivery = deliveryOf(f);
    await f.trails.delete(trail.arn);
    await delivery.forget(trail.arn);
    await delivery.flush();
    assert.equal(await f.events.getCursorState(deliveryConsumer(trail.arn)), undefined);
    assert.deepEqual(await logFiles(f), []);
  });
});
