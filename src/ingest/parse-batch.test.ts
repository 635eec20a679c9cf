import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { idempotentEventId, parseRecordBatch, parseRecordColumns, recordsOfColumns } from './parse-batch.ts';

const defaults = {
  eventID: () => 'generated-id',
  awsRegion: 'eu-west-1',
  recipientAccountId: '111122223333',
};

function record(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    eventTime: '2026-01-01T00:00:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    eventID: id,
    awsRegion: 'us-east-1',
    recipientAccountId: '444455556666',
    requestParameters: { bucketName: 'bkt' },
    ...extra,
  };
}

function okEvents(body: Buffer): { raw: string; rawUtf8: Uint8Array; eventId: string }[] {
  return parseRecordBatch(body, defaults).map((r) => {
    assert.ok(r.ok);
    return r.event;
  });
}

describe('parseRecordBatch()', () => {
  it('keeps each record text byte for byte, multi-byte characters and a byte order mark included', () => {
    const texts = [
      JSON.stringify(record('a', { userAgent: 'naïve 😀 agent' })),
      `{ "eventTime" : "2026-01-01T00:00:00Z",\n  "eventSource": "s3.amazonaws.com", "eventName": "Ünïcode",\n  "eventID": "b", "awsRegion": "us-east-1", "recipientAccountId": "444455556666", "eventVersion": "1.11", "eventType": "AwsApiCall", "eventCategory": "Management" }`,
      JSON.stringify(record('c')),
    ];
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`{"Records": [\n  ${texts.join(',\n  ')}\n]}\n`),
    ]);
    const events = okEvents(body);
    assert.deepEqual(
      events.map((e) => e.eventId),
      ['a', 'b', 'c'],
    );
    events.forEach((e, i) => {
      const expected = (texts[i] as string).replace(
        /}$/,
        ',"eventType":"AwsApiCall","eventCategory":"Management"}',
      );
      const text = i === 1 ? (texts[i] as string) : expected;
      assert.equal(e.raw, text);
      assert.deepEqual(Buffer.from(e.rawUtf8), Buffer.from(text));
    });
  });

  it('finds the records of a log file whatever other members it has and wherever Records stands', () => {
    const texts = [JSON.stringify(record('m1')), JSON.stringify(record('m2'))];
    for (const body of [
      `{"Records":[${texts.join(',')}]}`,
      `{"Other":[{"eventID":"no"}],"Records":[${texts.join(',')}]}`,
      `{"Records":[${texts.join(',')}],"Other":{"Records":[]}}`,
      ` { "Rec\\u006frds" : [ ${texts.join(' , ')} ] } `,
      // JSON.parse keeps the last of duplicate keys; the spans must be those of the same array.
      `{"Records":[${JSON.stringify(record('decoy'))}],"Records":[${texts.join(',')}]}`,
      `{"Records":[],"Records":[${texts.join(',')}]}`,
    ]) {
      const events = okEvents(Buffer.from(body));
      assert.deepEqual(
        events.map((e) => e.eventId),
        ['m1', 'm2'],
        body.slice(0, 40),
      );
      events.forEach((e, i) => assert.ok(e.raw.startsWith(texts[i]!.slice(0, -1)), body.slice(0, 40)));
    }
  });

  it('hands back records completed with defaults with the added fields in their text', () => {
    const { eventID: _id, awsRegion: _region, ...bare } = record('x');
    const [event] = okEvents(Buffer.from(JSON.stringify([bare])));
    assert.ok(event);
    assert.equal(event.eventId, 'generated-id');
    const parsed = JSON.parse(event.raw) as Record<string, unknown>;
    assert.equal(parsed.eventID, 'generated-id');
    assert.equal(parsed.awsRegion, 'eu-west-1');
    assert.ok(event.raw.startsWith(JSON.stringify(bare).slice(0, -1)));
    assert.deepEqual(Buffer.from(event.rawUtf8), Buffer.from(event.raw));
  });

  it('reports invalid records in place and keeps the rest', () => {
    const body = Buffer.from(
      JSON.stringify([record('1'), record('2', { eventTime: 'yesterday' }), record('3', { resources: 7 })]),
    );
    const parsed = parseRecordBatch(body, defaults);
    assert.equal(parsed.length, 3);
    assert.ok(parsed[0]?.ok);
    assert.equal(parsed[0].event.eventId, '1');
    assert.deepEqual(parsed[0].event.resourceTypes, ['AWS::S3::Bucket']);
    assert.deepEqual(parsed[0].event.resourceNames, ['bkt']);
    assert.ok(parsed[1] && !parsed[1].ok && parsed[1].errorCode === 'InvalidRecord');
    assert.ok(parsed[2] && !parsed[2].ok && parsed[2].errorCode === 'InvalidRecord');
  });

  it('rejects a body that is not UTF-8 as a SerializationException', () => {
    const body = Buffer.concat([Buffer.from('[{"eventID":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]')]);
    assertServiceError(() => parseRecordBatch(body, defaults), 'SerializationException');
  });

  it('gives the same events from its columns after a structured clone', () => {
    const body = Buffer.from(JSON.stringify({ Records: [record('p'), record('q', { readOnly: true })] }));
    const columns = structuredClone(parseRecordColumns(body, defaults));
    assert.deepEqual(recordsOfColumns(columns, body), parseRecordBatch(body, defaults));
    const [, q] = recordsOfColumns(columns, body);
    assert.ok(q?.ok);
    assert.equal(q.event.readOnly, true);
    assert.equal(q.event.accountId, '444455556666');
  });
});

describe('parseRecordBatch() on questionable records', () => {
  it('refuses, per record, a duplicate key and a lone surrogate in a log file body', () => {
    const good = JSON.stringify(record('a'));
    const twice = `${JSON.stringify(record('b')).slice(0, -1)},"requestParameters":{"bucketName":"other"}}`;
    const lone = JSON.stringify(record('c', { userAgent: 'x' })).replace('"x"', '"\\udbff"');
    const parsed = parseRecordBatch(Buffer.from(`{"Records":[${good},${twice},${lone}]}`), defaults);
    assert.ok(parsed[0]?.ok);
    const [b, c] = [parsed[1], parsed[2]];
    assert.ok(b && !b.ok && c && !c.ok);
    assert.equal(b.errorCode, 'InvalidRecord');
    assert.match(b.errorMessage, /the key 'requestParameters' twice/);
    assert.match(c.errorMessage, /'userAgent' holds a lone surrogate/);
  });
});

describe('idempotentEventId()', () => {
  it('is the RFC 9562 version 5 UUID of account, index and key in OpenTrail’s namespace', () => {
    // Python: uuid.uuid5(uuid.UUID('5f0c6f43-e1a9-4a0f-9a8e-2b7d3c41d6e8'), '111122223333/0/retry-1')
    assert.equal(idempotentEventId('111122223333', 'retry-1', 0), '182f12bd-b5e2-5bfa-b006-eb3a8d97d8f3');
    assert.equal(idempotentEventId('111122223333', 'retry-1', 1), 'b6159003-43b3-55f6-85aa-5290ee3c5956');
  });

  it('names the records without an eventID of a batch sent with a key, the same way each time', () => {
    const body = Buffer.from(JSON.stringify([record('given'), { ...record('x'), eventID: undefined }]));
    const ids = () =>
      parseRecordBatch(body, { ...defaults, idempotencyKey: 'retry-1' }).map((r) =>
        r.ok ? r.event.eventId : '',
      );
    assert.deepEqual(ids(), ['given', idempotentEventId('111122223333', 'retry-1', 1)]);
    assert.deepEqual(ids(), ids());
    const other = parseRecordBatch(body, { ...defaults, idempotencyKey: 'retry-2' })[1];
    assert.ok(other?.ok && other.event.eventId !== idempotentEventId('111122223333', 'retry-1', 1));
  });
});
