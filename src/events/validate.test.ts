import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitRecordSpans } from './split-records.ts';
import {
  MAX_RECORD_BYTES,
  MAX_RECORD_DEPTH,
  parseEventTime,
  validateRecord,
  type RecordScope,
  type ValidationResult,
} from './validate.ts';

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
  eventSource: 'ec2.amazonaws.com',
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

  it('refuses an awsRegion that is not an AWS Region, naming it', () => {
    assert.match(
      errorOf({ ...VALID, awsRegion: 'zz-fake-9' }),
      /'awsRegion' is 'zz-fake-9', which is not an AWS Region/,
    );
    assert.match(errorOf({ ...VALID, awsRegion: 'apiso-centralnorth-2r' }), /not an AWS Region/);
    assert.ok(check({ ...VALID, awsRegion: 'eu-central-2' }).ok);
    assert.ok(check({ ...VALID, awsRegion: 'us-gov-west-1' }).ok);
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

/** Validates each record of a batch text as the parse path does, with the scanner's counts. */
function checkScanned(recordTexts: string[], defaults = DEFAULTS): ValidationResult[] {
  const text = `{"Records":[${recordTexts.join(',')}]}`;
  const parsed = JSON.parse(text) as { Records: unknown[] };
  const split = splitRecordSpans(text, parsed);
  assert.ok(split);
  return split.spans.map((span, i) => {
    const own = text.slice(span.start, span.end);
    return validateRecord(parsed.Records[i], own, Buffer.byteLength(own), defaults, span);
  });
}

function refusal(r: ValidationResult | undefined): { errorCode: string; errorMessage: string } {
  assert.ok(r && !r.ok, 'expected a refusal');
  return r;
}

describe('validateRecord() on questionable JSON', () => {
  const base = JSON.stringify(VALID).slice(0, -1);

  it('refuses a key given twice at the top, naming it, with and without the scanner counts', () => {
    const text = `${base},"eventName":"DeleteUser"}`;
    for (const r of [
      checkScanned([text])[0],
      validateRecord(JSON.parse(text), text, text.length, DEFAULTS),
    ]) {
      const { errorCode, errorMessage } = refusal(r);
      assert.equal(errorCode, 'InvalidRecord');
      assert.match(errorMessage, /the key 'eventName' twice/);
    }
  });

  it('refuses a nested duplicate, spelled with an escape, naming the key and where it is', () => {
    const text = `${base},"requestParameters":{"tags":[{"key":"a"},{"key":"b","k\\u0065y":"c"}]}}`;
    const { errorMessage } = refusal(checkScanned([text])[0]);
    assert.match(errorMessage, /the key 'key' twice in 'requestParameters\.tags\[1\]'/);
  });

  it('accepts the same key in different objects and keys that only look alike', () => {
    const text = `${base},"requestParameters":{"a":{"k":1},"b":{"k":1},"K":2,"k ":3}}`;
    const [r] = checkScanned([text, JSON.stringify({ ...VALID, eventID: 'e2' })]);
    assert.ok(r?.ok);
  });

  it('refuses an escaped lone surrogate and accepts an escaped pair', () => {
    const lone = `${base},"userAgent":"x\\ud800y"}`;
    const { errorMessage } = refusal(checkScanned([lone])[0]);
    assert.match(errorMessage, /Field 'userAgent' holds a lone surrogate/);
    const trailing = `${base},"requestParameters":{"n":["ok","\\uDC00"]}}`;
    assert.match(refusal(checkScanned([trailing])[0]).errorMessage, /'requestParameters\.n\[1\]'/);
    assert.ok(checkScanned([`${base},"userAgent":"\\ud83d\\ude00 \\\\ud800"}`])[0]?.ok);
  });

  it('refuses a record nested deeper than MAX_RECORD_DEPTH', () => {
    const deep = `${base},"requestParameters":{"a":${'['.repeat(MAX_RECORD_DEPTH)}${']'.repeat(MAX_RECORD_DEPTH)}}}`;
    assert.match(refusal(checkScanned([deep])[0]).errorMessage, /more than 1000 levels deep/);
    assert.match(refusal(check(JSON.parse(deep))).errorMessage, /more than 1000 levels deep/);
  });
});

describe('validateRecord() with a caller scope', () => {
  const CREATED_MS = Date.UTC(2026, 0, 10);
  const MEMBER = '444455556666';
  const scope: RecordScope = {
    nowMs: Date.UTC(2026, 0, 31, 12, 0, 0),
    maxFutureSkewMs: 15 * 60 * 1000,
    accounts: new Map([
      ['111122223333', CREATED_MS],
      [MEMBER, CREATED_MS],
    ]),
  };
  const scoped = { ...DEFAULTS, scope };
  const own = { ...VALID, recipientAccountId: '111122223333', eventTime: '2026-01-31T11:00:00Z' };
  const checkWith = (record: unknown) => {
    const text = JSON.stringify(record);
    return validateRecord(JSON.parse(text), text, text.length, scoped);
  };

  it("accepts the caller's own account, a member account, and a record naming none", () => {
    assert.ok(checkWith(own).ok);
    assert.ok(checkWith({ ...own, recipientAccountId: MEMBER }).ok);
    const { recipientAccountId: _, ...none } = own;
    const r = checkWith(none);
    assert.ok(r.ok && r.record.recipientAccountId === '111122223333');
  });

  it('refuses another account as InvalidRecipient, naming both accounts', () => {
    const { errorCode, errorMessage } = refusal(checkWith({ ...own, recipientAccountId: '999988887777' }));
    assert.equal(errorCode, 'InvalidRecipient');
    assert.match(
      errorMessage,
      /account 999988887777; account 111122223333 may record events only for itself/,
    );
  });

  it("refuses events of OpenTrail's own sources dated from the account's creation on", () => {
    const stop = { ...own, eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' };
    const { errorCode, errorMessage } = refusal(checkWith(stop));
    assert.equal(errorCode, 'InvalidEventSource');
    assert.match(
      errorMessage,
      /cloudtrail\.amazonaws\.com for account 111122223333 from 2026-01-10T00:00:00Z/,
    );
    assert.equal(
      refusal(checkWith({ ...stop, eventTime: '2026-01-10T00:00:00Z' })).errorCode,
      'InvalidEventSource',
    );
    assert.ok(checkWith({ ...stop, eventTime: '2026-01-09T23:59:59Z' }).ok);
  });

  it('refuses an eventTime more than the skew in the future', () => {
    assert.ok(checkWith({ ...own, eventTime: '2026-01-31T12:15:00Z' }).ok);
    const { errorMessage } = refusal(checkWith({ ...own, eventTime: '2026-01-31T12:15:01Z' }));
    assert.match(errorMessage, /'eventTime' is '2026-01-31T12:15:01Z', more than 900 seconds after/);
    assert.match(refusal(checkWith({ ...own, eventTime: '2999-01-01T00:00:00Z' })).errorMessage, /future/);
  });
});
