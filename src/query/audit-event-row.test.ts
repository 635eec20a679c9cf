import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  convertAuditEvent,
  eventDataChecksum,
  type AuditEventContext,
  type AuditEventOutcome,
} from './audit-event-row.ts';
import { channelArn } from './channel.ts';

const ACCOUNT = '111122223333';
const ARN = channelArn('us-east-1', ACCOUNT, '0f4e6b8a-0000-4000-8000-000000000001');

const CTX: AuditEventContext = {
  channel: { arn: ARN, accountId: ACCOUNT },
  region: 'eu-west-1',
  nowMs: Date.UTC(2024, 4, 2, 10, 0, 0, 250),
  newEventId: () => '5a3f0f5e-1111-4222-8333-444455556666',
};

function eventData(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '1.0',
    userIdentity: { type: 'Employee', principalId: 'alice', details: { team: 'ops', level: 3 } },
    userAgent: 'my-app/1.0',
    eventSource: 'my-app.example.com',
    eventName: 'DeleteInvoice',
    eventTime: '2024-05-01T12:30:45Z',
    UID: 'req-123',
    requestParameters: { invoice: 'inv-9', nested: { a: [1, 2] } },
    responseElements: { ok: true },
    sourceIPAddress: '203.0.113.7',
    recipientAccountId: ACCOUNT,
    additionalEventData: { note: 'n' },
    ...overrides,
  };
}

function convert(data: unknown, checksum?: string): AuditEventOutcome {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return convertAuditEvent(
    { id: 'ev-1', eventData: text, ...(checksum !== undefined ? { eventDataChecksum: checksum } : {}) },
    CTX,
  );
}

function failureOf(outcome: AuditEventOutcome): { errorCode: string; errorMessage: string } {
  assert.equal(outcome.ok, false, 'expected the event to fail');
  if (outcome.ok) throw new Error('unreachable');
  return outcome;
}

describe('convertAuditEvent()', () => {
  it('shapes an event as an ActivityAuditLog row with a new eventID and the call region', () => {
    const data = eventData();
    const outcome = convert(data, eventDataChecksum(JSON.stringify(data)));
    assert.ok(outcome.ok);
    assert.equal(outcome.eventID, '5a3f0f5e-1111-4222-8333-444455556666');
    assert.deepEqual(JSON.parse(outcome.row), {
      eventVersion: '2.11',
      eventCategory: 'ActivityAuditLog',
      eventType: 'ActivityLog',
      eventID: '5a3f0f5e-1111-4222-8333-444455556666',
      eventTime: '2024-05-01T12:30:45.000Z',
      awsRegion: 'eu-west-1',
      recipientAccountId: ACCOUNT,
      metadata: { ingestionTime: '2024-05-02T10:00:00Z', channelARN: ARN },
      eventData: data,
    });
  });

  it('accepts the schema format without a zone, fractions and offsets', () => {
    for (const [text, iso] of [
      ['2024-05-01T12:30:45', '2024-05-01T12:30:45.000Z'],
      ['2024-05-01T12:30:45.123456Z', '2024-05-01T12:30:45.123Z'],
      ['2024-05-01T14:30:45+02:00', '2024-05-01T12:30:45.000Z'],
    ] as const) {
      const outcome = convert(eventData({ eventTime: text }));
      assert.ok(outcome.ok, text);
      assert.equal((JSON.parse(outcome.row) as { eventTime: string }).eventTime, iso);
    }
  });

  it('accepts IPv6 source addresses and events without optional fields', () => {
    assert.ok(convert(eventData({ sourceIPAddress: '2001:db8::1' })).ok);
    const minimal = eventData();
    for (const k of [
      'userAgent',
      'requestParameters',
      'responseElements',
      'sourceIPAddress',
      'additionalEventData',
    ]) {
      delete minimal[k];
    }
    minimal.userIdentity = { type: 'x', principalId: 'y' };
    assert.ok(convert(minimal).ok);
  });

  it('answers InvalidChecksum when the checksum is not the base64 SHA-256 of eventData', () => {
    const data = eventData();
    const wrong = eventDataChecksum(JSON.stringify({ ...data, UID: 'other' }));
    assert.equal(failureOf(convert(data, wrong)).errorCode, 'InvalidChecksum');
  });

  it('answers InvalidData for text that is not a JSON object', () => {
    assert.equal(failureOf(convert('{not json')).errorCode, 'InvalidData');
    assert.equal(failureOf(convert('[1,2]')).errorCode, 'InvalidData');
    assert.equal(failureOf(convert('null')).errorCode, 'InvalidData');
  });

  it('answers FieldNotFound for each missing required field', () => {
    for (const field of [
      'version',
      'eventSource',
      'eventName',
      'eventTime',
      'UID',
      'recipientAccountId',
      'userIdentity',
    ]) {
      const data = eventData();
      delete data[field];
      const failure = failureOf(convert(data));
      assert.equal(failure.errorCode, 'FieldNotFound', field);
      assert.match(failure.errorMessage, new RegExp(`eventData\\.${field}`));
    }
    for (const field of ['type', 'principalId']) {
      const identity: Record<string, unknown> = { type: 't', principalId: 'p' };
      delete identity[field];
      assert.equal(failureOf(convert(eventData({ userIdentity: identity }))).errorCode, 'FieldNotFound');
    }
  });

  it('answers FieldTooLong past the schema limits', () => {
    assert.equal(failureOf(convert(eventData({ version: 'v'.repeat(257) }))).errorCode, 'FieldTooLong');
    assert.ok(convert(eventData({ version: 'v'.repeat(256) })).ok);
    assert.equal(failureOf(convert(eventData({ errorCode: 'e'.repeat(257) }))).errorCode, 'FieldTooLong');
    assert.equal(
      failureOf(convert(eventData({ userIdentity: { type: 't'.repeat(129), principalId: 'p' } }))).errorCode,
      'FieldTooLong',
    );
    assert.equal(
      failureOf(convert(eventData({ userIdentity: { type: 't', principalId: 'p'.repeat(1025) } }))).errorCode,
      'FieldTooLong',
    );
    assert.equal(
      failureOf(convert(eventData({ additionalEventData: { big: 'x'.repeat(28 * 1024) } }))).errorCode,
      'FieldTooLong',
    );
    assert.equal(
      failureOf(convert(eventData({ requestParameters: { big: 'x'.repeat(100 * 1024) } }))).errorCode,
      'FieldTooLong',
    );
  });

  it('answers InvalidData for wrong types, unknown fields, bad times and addresses', () => {
    const cases: Record<string, unknown>[] = [
      { eventName: 7 },
      { userIdentity: 'alice' },
      { userIdentity: { type: 't', principalId: 1 } },
      { userIdentity: { type: 't', principalId: 'p', details: 'x' } },
      { userIdentity: { type: 't', principalId: 'p', arn: 'x' } },
      { requestParameters: ['a'] },
      { responseElements: 'ok' },
      { surprise: true },
      { eventTime: '2024-02-30T00:00:00Z' },
      { eventTime: 'yesterday' },
      { eventTime: '2024-05-01 12:30:45' },
      { sourceIPAddress: '300.1.1.1' },
      { sourceIPAddress: 'example.com' },
      { sourceIPAddress: '2001:db8:::1:zz' },
      { sourceIPAddress: '2001:db8:::1' },
    ];
    for (const overrides of cases) {
      assert.equal(
        failureOf(convert(eventData(overrides))).errorCode,
        'InvalidData',
        JSON.stringify(overrides),
      );
    }
  });

  it('answers InvalidRecipient when recipientAccountId is not the channel owner', () => {
    const failure = failureOf(convert(eventData({ recipientAccountId: '999999999999' })));
    assert.equal(failure.errorCode, 'InvalidRecipient');
    assert.match(failure.errorMessage, new RegExp(ACCOUNT));
  });
});
