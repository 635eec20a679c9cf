import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_RECORD_BYTES, parseEventTime, validateRecord, type ValidationResult } from './validate.ts';

const DEFAULTS = {
  eventID: () => 'generated-id',
  awsRegion: 'eu-west-1',
  recipientAccountId: '111122223333',
};

function check(record: unknown): ValidationResult {
  const text = JSON.stringify(record);
  return validateRecord(JSON.parse(text), text, Buffer.byteLength(text), DEFAULTS);
}

function errorOf(record: unknown): string {
  const r = check(record);
  assert.equal(r.ok, false);
  return r.ok ? '' : r.errorMessage;
}

const VALID = {
  eventVersion: '1.11',
  eventTime: '2026-01-31T23:59:59Z',
  eventSource: 'iam.amazonaws.com',
  eventName: 'CreateUser',
  awsRegion: 'us-east-1',
  eventID: 'e1',
  eventType: 'AwsApiCall',
  recipientAccountId: '123456789012',
  eventCategory: 'Management',
  readOnly: false,
  userIdentity: { type: 'IAMUser', userName: 'alice' },
};

describe('validateRecord()', () => {
  it('accepts a full record and keeps its text unchanged', () => {
    const text = JSON.stringify(VALID);
    const r = validateRecord(JSON.parse(text), text, text.length, DEFAULTS);
    assert.ok(r.ok);
    assert.equal(r.text, text);
    assert.equal(r.eventTimeMs, Date.UTC(2026, 0, 31, 23, 59, 59));
    assert.equal(r.category, 'Management');
  });

  it('appends missing defaultable fields after the original bytes', () => {
    const text = '{"eventTime":"2026-01-01T00:00:00Z","eventSource":"s","eventName":"n"  }';
    const r = validateRecord(JSON.parse(text), text, text.length, DEFAULTS);
    assert.ok(r.ok);
    assert.ok(r.text.startsWith('{"eventTime":"2026-01-01T00:00:00Z","eventSource":"s","eventName":"n",'));
    const parsed = JSON.parse(r.text) as Record<string, unknown>;
    assert.equal(parsed.eventID, 'generated-id');
    assert.equal(parsed.awsRegion, 'eu-west-1');
    assert.equal(parsed.recipientAccountId, '111122223333');
    assert.equal(parsed.eventVersion, '1.11');
    assert.equal(parsed.eventType, 'AwsApiCall');
    assert.equal(parsed.eventCategory, 'Management');
  });

  it('names the field, what it held and what was expected', () => {
    assert.match(errorOf({ ...VALID, eventTime: 12 }), /'eventTime' must be string, found number/);
    assert.match(
      errorOf({ ...VALID, eventTime: '2026-02-30T00:00:00Z' }),
      /'eventTime' is '2026-02-30T00:00:00Z'; expected ISO 8601/,
    );
    assert.match(
      errorOf({ ...VALID, eventType: 'Bogus' }),
      /'eventType' is 'Bogus'; expected one of AwsApiCall/,
    );
    assert.match(errorOf({ ...VALID, eventCategory: 'Other' }), /'eventCategory' is 'Other'/);
    assert.match(errorOf({ ...VALID, recipientAccountId: '123' }), /12-digit account ID/);
    assert.match(errorOf({ ...VALID, eventName: '' }), /'eventName' is required/);
    assert.match(errorOf({ ...VALID, readOnly: 'false' }), /'readOnly' must be boolean, found string/);
    assert.match(errorOf({ ...VALID, resources: [{ ARN: 5 }] }), /'resources\[0\]\.ARN' must be a string/);
    assert.match(errorOf({ ...VALID, userIdentity: { type: 7 } }), /'userIdentity\.type' must be a string/);
    assert.match(errorOf({ ...VALID, awsRegion: 'US EAST' }), /'awsRegion' is 'US EAST'/);
    assert.match(errorOf([VALID]), /must be a JSON object, found array/);
    assert.match(
      errorOf({ ...VALID, eventType: 'AwsCloudTrailInsight' }),
      /does not go with eventCategory 'Management'/,
    );
  });

  it('accepts any region string the records carry, such as anonymised ones', () => {
    assert.ok(check({ ...VALID, awsRegion: 'apiso-centralnorth-2r' }).ok);
  });

  it('validates Insights events by their insightDetails', () => {
    const insight = {
      eventVersion: '1.07',
      eventTime: '2019-10-17T10:05:00Z',
      awsRegion: 'us-east-1',
      eventID: 'i1',
      eventType: 'AwsCloudTrailInsight',
      recipientAccountId: '123456789012',
      sharedEventID: 's1',
      insightDetails: {
        state: 'Start',
        eventSource: 'ssm.amazonaws.com',
        eventName: 'UpdateInstanceAssociationStatus',
        insightType: 'ApiCallRateInsight',
      },
      eventCategory: 'Insight',
    };
    const r = check(insight);
    assert.ok(r.ok);
    assert.equal(r.category, 'Insight');
    assert.match(errorOf({ ...insight, insightDetails: { state: 'Start' } }), /insightDetails\.eventSource/);
  });

  it('rejects records over 256 KB with RecordTooLarge', () => {
    const big = { ...VALID, requestParameters: { pad: 'x'.repeat(MAX_RECORD_BYTES) } };
    const r = check(big);
    assert.equal(r.ok, false);
    assert.equal(r.ok ? '' : r.errorCode, 'RecordTooLarge');
  });
});

describe('parseEventTime()', () => {
  it('reads CloudTrail times with and without fractions and refuses impossible dates', () => {
    assert.equal(parseEventTime('2023-07-10T11:42:18Z'), Date.UTC(2023, 6, 10, 11, 42, 18));
    assert.equal(parseEventTime('2023-07-10T11:42:18.250Z'), Date.UTC(2023, 6, 10, 11, 42, 18, 250));
    assert.equal(parseEventTime('2023-07-10T24:00:00Z'), undefined);
    assert.equal(parseEventTime('2023-07-10 11:42:18'), undefined);
  });
});
