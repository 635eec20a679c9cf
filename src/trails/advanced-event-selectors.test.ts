import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudTrailRecord } from '../events/record.ts';
import {
  compileAdvancedEventSelectors,
  parseAdvancedEventSelectors,
  SELECTOR_FIELDS,
  type AdvancedEventSelector,
  type AdvancedFieldSelector,
} from './advanced-event-selectors.ts';
import {
  dynamoDbGetItem,
  insightEvent,
  lambdaInvoke,
  networkActivity,
  REAL,
  s3BucketDataEvent,
  s3ObjectEvent,
  sample,
  without,
} from './selector-fixtures.test-helpers.ts';
import { assertServiceError } from '../../test/helpers/service-errors.ts';

const INVALID = 'InvalidEventSelectorsException';

function category(value: string): AdvancedFieldSelector {
  return { Field: 'eventCategory', Equals: [value] };
}
const MANAGEMENT = category('Management');
const DATA = category('Data');
const NETWORK = category('NetworkActivity');
const S3_TYPE: AdvancedFieldSelector = { Field: 'resources.type', Equals: ['AWS::S3::Object'] };

function parseOne(...fields: unknown[]): AdvancedEventSelector[] {
  return parseAdvancedEventSelectors([{ FieldSelectors: fields }]);
}

function rejects(fields: unknown[], message: RegExp, code = INVALID): void {
  assertServiceError(() => parseOne(...fields), code, message);
}

function matcher(...selectors: AdvancedFieldSelector[][]): (r: CloudTrailRecord) => boolean {
  return compileAdvancedEventSelectors(
    parseAdvancedEventSelectors(selectors.map((f) => ({ FieldSelectors: f }))),
  );
}

/** A data selector for S3 objects whose resources.ARN field has these conditions. */
function s3ArnMatcher(conditions: Omit<AdvancedFieldSelector, 'Field'>): (r: CloudTrailRecord) => boolean {
  return matcher([DATA, S3_TYPE, { Field: 'resources.ARN', ...conditions }]);
}

describe('parseAdvancedEventSelectors()', () => {
  it('returns the selectors as GetEventSelectors shows them: only the operators given, in model order', () => {
    const parsed = parseAdvancedEventSelectors([
      {
        Name: 'Log PutObject outside the log bucket',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          {
            NotStartsWith: ['arn:aws:s3:::logs/'],
            Field: 'resources.ARN',
            StartsWith: ['arn:aws:s3:::'],
            Equals: null,
          },
          { Field: 'eventName', Equals: ['PutObject'], Unknown: 1 },
        ],
      },
      { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }], Name: null },
    ]);
    assert.deepEqual(parsed, [
      {
        Name: 'Log PutObject outside the log bucket',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::'], NotStartsWith: ['arn:aws:s3:::logs/'] },
          { Field: 'eventName', Equals: ['PutObject'] },
        ],
      },
      { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
    ]);
    assert.deepEqual(Object.keys(parsed[0]?.FieldSelectors[2] ?? {}), [
      'Field',
      'StartsWith',
      'NotStartsWith',
    ]);
  });

  it('accepts the network activity selectors of the user guide', () => {
    const parsed = parseOne(
      NETWORK,
      { Field: 'eventSource', Equals: ['kms.amazonaws.com'] },
      { Field: 'errorCode', Equals: ['VpceAccessDenied'] },
      { Field: 'vpcEndpointId', StartsWith: ['vpce-'] },
      { Field: 'eventName', NotEquals: ['ListKeys'] },
      { Field: 'userIdentity.arn', NotEndsWith: ['/scanner'] },
    );
    assert.equal(parsed[0]?.FieldSelectors.length, 6);
  });

  it('accepts every data event field a trail supports', () => {
    const parsed = parseOne(
      DATA,
      S3_TYPE,
      { Field: 'readOnly', Equals: ['false'] },
      { Field: 'eventName', EndsWith: ['Object'] },
      { Field: 'eventSource', Equals: ['s3.amazonaws.com'] },
      { Field: 'eventType', NotEquals: ['AwsServiceEvent'] },
      { Field: 'resources.ARN', Equals: ['arn:aws:s3:::b/k'], NotEquals: ['arn:aws:s3:::b/x'] },
      { Field: 'sessionCredentialFromConsole', NotEquals: ['true'] },
      { Field: 'userIdentity.arn', StartsWith: ['arn:aws:sts::'] },
    );
    assert.equal(parsed[0]?.FieldSelectors.length, 9);
  });

  it('accepts management selectors that exclude KMS and RDS Data API events and filter on readOnly', () => {
    const parsed = parseOne(
      MANAGEMENT,
      { Field: 'eventSource', NotEquals: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] },
      { Field: 'readOnly', Equals: ['true'] },
    );
    assert.equal(parsed[0]?.FieldSelectors.length, 3);
  });

  it('answers wrong JSON types with SerializationException', () => {
    assertServiceError(
      () => parseAdvancedEventSelectors({}),
      'SerializationException',
      /AdvancedEventSelectors must be a list/,
    );
    assertServiceError(
      () => parseAdvancedEventSelectors([7]),
      'SerializationException',
      /AdvancedEventSelectors\[0\] must be an object/,
    );
    assertServiceError(
      () => parseAdvancedEventSelectors([{ FieldSelectors: {} }]),
      'SerializationException',
      /AdvancedEventSelectors\[0\]\.FieldSelectors must be a list/,
    );
    assertServiceError(
      () => parseAdvancedEventSelectors([{ Name: 3, FieldSelectors: [MANAGEMENT] }]),
      'SerializationException',
      /\.Name must be a string/,
    );
    rejects(['x'], /FieldSelectors\[0\] must be an object/, 'SerializationException');
    rejects([{ Field: 5, Equals: ['Data'] }], /\.Field must be a string/, 'SerializationException');
    rejects(
      [{ Field: 'eventCategory', Equals: 'Data' }],
      /\.Equals must be a list, found string/,
      'SerializationException',
    );
    rejects(
      [{ Field: 'eventCategory', Equals: [1] }],
      /\.Equals\[0\] must be a string, found number/,
      'SerializationException',
    );
    rejects(
      [{ Field: 'eventCategory', Equals: [null] }],
      /\.Equals\[0\] must be a string, found null/,
      'SerializationException',
    );
  });

  it('requires at least one selector, each with at least one field selector', () => {
    assertServiceError(() => parseAdvancedEventSelectors([]), INVALID, /empty list; specify at least one/);
    assertServiceError(() => parseAdvancedEventSelectors([{}]), INVALID, /\[0\]\.FieldSelectors is required/);
    assertServiceError(
      () => parseAdvancedEventSelectors([{ FieldSelectors: [] }]),
      INVALID,
      /FieldSelectors is an empty list/,
    );
  });

  it('limits Name to 1000 characters', () => {
    assert.equal(
      parseAdvancedEventSelectors([{ Name: 'n'.repeat(1000), FieldSelectors: [MANAGEMENT] }])[0]?.Name
        ?.length,
      1000,
    );
    assertServiceError(
      () => parseAdvancedEventSelectors([{ Name: 'n'.repeat(1001), FieldSelectors: [MANAGEMENT] }]),
      INVALID,
      /Name has 1001 characters; at most 1000/,
    );
  });

  it('checks Field against the model pattern and the fields trails support', () => {
    rejects([{ Equals: ['Data'] }], /\.Field is required/);
    rejects(
      [{ Field: '', Equals: ['Data'] }],
      /for AdvancedEventSelectors\[0\]\.FieldSelectors\[0\]\.Field is invalid; expected 1 to 1000/,
    );
    rejects([{ Field: 'event Category', Equals: ['Data'] }], /expected 1 to 1000 letters/);
    rejects([{ Field: 'x'.repeat(1001), Equals: ['Data'] }], /expected 1 to 1000 letters/);
    rejects(
      [MANAGEMENT, { Field: 'requestParameters.bucketName', Equals: ['b'] }],
      /Valid values for trails are: eventCategory/,
    );
    assert.ok(SELECTOR_FIELDS.includes('vpcEndpointId'));
  });

  it('requires an operator with at least one value of 1 to 2048 characters on one line', () => {
    rejects([{ Field: 'eventCategory' }], /has no operator; expected at least one of Equals, StartsWith/);
    rejects([{ Field: 'eventCategory', Equals: [] }], /\.Equals is an empty list/);
    rejects(
      [{ Field: 'eventCategory', Equals: [''] }],
      /Value "" at .*\.Equals\[0\] is invalid; expected 1 to 2048 characters/,
    );
    rejects([MANAGEMENT, { Field: 'readOnly', Equals: ['tr\nue'] }], /Value "tr\\nue" at/);
    rejects(
      [DATA, S3_TYPE, { Field: 'eventName', Equals: ['e'.repeat(2049)] }],
      /expected 1 to 2048 characters/,
    );
    assert.equal(parseOne(DATA, S3_TYPE, { Field: 'eventName', Equals: ['e'.repeat(2048)] }).length, 1);
  });

  it('requires exactly one eventCategory, Equals one of the trail categories', () => {
    rejects(
      [{ Field: 'readOnly', Equals: ['true'] }],
      /has 0 eventCategory field selectors; exactly one is required/,
    );
    rejects([MANAGEMENT, MANAGEMENT], /has 2 eventCategory field selectors/);
    rejects(
      [{ Field: 'eventCategory', Equals: ['Management', 'Data'] }],
      /Equals operator with exactly one value/,
    );
    rejects([{ Field: 'eventCategory', NotEquals: ['Data'] }], /Equals operator with exactly one value/);
    rejects(
      [{ Field: 'eventCategory', Equals: ['Data'], StartsWith: ['D'] }],
      /Equals operator with exactly one value/,
    );
    rejects(
      [category('Insight')],
      /Value Insight for eventCategory is invalid \(it is valid only for event data stores\)/,
    );
    rejects([category('ConfigurationItem')], /valid only for event data stores/);
    rejects(
      [category('management')],
      /Value management for eventCategory is invalid\. Valid values for trails are: Management, Data, NetworkActivity/,
    );
  });

  it('allows on management selectors only eventCategory, eventSource and readOnly', () => {
    rejects(
      [MANAGEMENT, { Field: 'eventName', Equals: ['CreateUser'] }],
      /Field eventName .* is not supported for Management events on a trail\. Supported fields: eventCategory, eventSource, readOnly/,
    );
    rejects(
      [MANAGEMENT, { Field: 'eventSource', Equals: ['kms.amazonaws.com'] }],
      /Operator Equals is not valid for field eventSource of Management events .*expected NotEquals/,
    );
    rejects(
      [MANAGEMENT, { Field: 'eventSource', NotEquals: ['iam.amazonaws.com'] }],
      /Value iam\.amazonaws\.com for eventSource is invalid for Management events\. Valid values are: kms\.amazonaws\.com, rdsdata\.amazonaws\.com/,
    );
  });

  it('allows readOnly only as Equals "true" or "false", once', () => {
    rejects([MANAGEMENT, { Field: 'readOnly', Equals: ['yes'] }], /Value yes for readOnly is invalid/);
    rejects(
      [MANAGEMENT, { Field: 'readOnly', NotEquals: ['true'] }],
      /Operator NotEquals is not valid for field readOnly/,
    );
    rejects(
      [MANAGEMENT, { Field: 'readOnly', Equals: ['true', 'false'] }],
      /Field readOnly .* has 2 values; it takes exactly one/,
    );
  });

  it('requires exactly one resources.type, Equals one resource type, on data selectors', () => {
    rejects([DATA], /selects Data events and has 0 resources\.type field selectors; exactly one is required/);
    rejects(
      [DATA, S3_TYPE, { Field: 'resources.type', Equals: ['AWS::Lambda::Function'] }],
      /has 2 resources\.type field selectors/,
    );
    rejects(
      [DATA, { Field: 'resources.type', Equals: ['AWS::S3::Object', 'AWS::Lambda::Function'] }],
      /has 2 values; it takes exactly one/,
    );
    rejects(
      [DATA, { Field: 'resources.type', StartsWith: ['AWS::S3'] }],
      /Operator StartsWith is not valid for field resources\.type .*expected Equals/,
    );
    rejects(
      [DATA, { Field: 'resources.type', Equals: ['S3Object'] }],
      /Value S3Object for resources\.type is invalid .*expected a data event resource type/,
    );
    assert.equal(
      parseOne(DATA, { Field: 'resources.type', Equals: ['AWS::Cognito::IdentityPool'] }).length,
      1,
    );
  });

  it('checks the operators and values of the other data fields', () => {
    rejects(
      [DATA, S3_TYPE, { Field: 'sessionCredentialFromConsole', StartsWith: ['t'] }],
      /Operator StartsWith is not valid .*expected Equals, NotEquals/,
    );
    rejects(
      [DATA, S3_TYPE, { Field: 'sessionCredentialFromConsole', Equals: ['false'] }],
      /Value false for sessionCredentialFromConsole is invalid.*Valid values are: true/,
    );
    rejects(
      [DATA, S3_TYPE, { Field: 'resources.ARN', Equals: ['my-bucket/key'] }],
      /Value my-bucket\/key for resources\.ARN is invalid .*full ARN/,
    );
    rejects(
      [DATA, S3_TYPE, { Field: 'resources.ARN', NotEquals: ['bucket'] }],
      /Equals and NotEquals take a full ARN/,
    );
    rejects(
      [DATA, S3_TYPE, { Field: 'errorCode', Equals: ['VpceAccessDenied'] }],
      /Field errorCode .* not supported for Data events/,
    );
    rejects(
      [DATA, S3_TYPE, { Field: 'vpcEndpointId', Equals: ['vpce-1'] }],
      /Field vpcEndpointId .* not supported for Data events/,
    );
  });

  it('requires one eventSource, Equals one event source, on network activity selectors', () => {
    rejects([NETWORK], /selects NetworkActivity events and has 0 eventSource field selectors/);
    rejects(
      [
        NETWORK,
        { Field: 'eventSource', Equals: ['kms.amazonaws.com'] },
        { Field: 'eventSource', Equals: ['ec2.amazonaws.com'] },
      ],
      /has 2 eventSource field selectors/,
    );
    rejects(
      [NETWORK, { Field: 'eventSource', Equals: ['kms.amazonaws.com', 'ec2.amazonaws.com'] }],
      /has 2 values; it takes exactly one\. To select several, add another advanced event selector/,
    );
    rejects(
      [NETWORK, { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] }],
      /Operator NotEquals is not valid for field eventSource of NetworkActivity/,
    );
    rejects(
      [NETWORK, { Field: 'eventSource', Equals: ['kms'] }],
      /Value kms for eventSource is invalid .*expected an event source such as ec2\.amazonaws\.com/,
    );
    rejects(
      [
        NETWORK,
        { Field: 'eventSource', Equals: ['kms.amazonaws.com'] },
        { Field: 'errorCode', Equals: ['AccessDenied'] },
      ],
      /Value AccessDenied for errorCode is invalid for NetworkActivity events\. Valid values are: VpceAccessDenied/,
    );
    rejects(
      [
        NETWORK,
        { Field: 'eventSource', Equals: ['kms.amazonaws.com'] },
        { Field: 'readOnly', Equals: ['true'] },
      ],
      /Field readOnly .* not supported for NetworkActivity events/,
    );
  });

  it('allows 500 values over all conditions of all selectors, and no more', () => {
    const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `Event${i}`);
    // 2 selectors x (eventCategory 1 + resources.type 1) = 4 values, plus the eventName values.
    const selectors = (extra: number): unknown[] => [
      { FieldSelectors: [DATA, S3_TYPE, { Field: 'eventName', Equals: names(248) }] },
      { FieldSelectors: [DATA, S3_TYPE, { Field: 'eventName', NotEquals: names(248 + extra) }] },
    ];
    assert.equal(parseAdvancedEventSelectors(selectors(0)).length, 2);
    assertServiceError(
      () => parseAdvancedEventSelectors(selectors(1)),
      INVALID,
      /have 501 values over all conditions; a trail allows at most 500/,
    );
  });
});

describe('compileAdvancedEventSelectors()', () => {
  const put = s3ObjectEvent('PutObject', 'photos', 'cats/tom.jpg', false);
  const get = s3ObjectEvent('GetObject', 'photos', 'cats/tom.jpg', true);

  it('selects management events by category, readOnly and excluded event sources (real records)', () => {
    const all = matcher([MANAGEMENT]);
    const writes = matcher([MANAGEMENT, { Field: 'readOnly', Equals: ['false'] }]);
    const noKms = matcher([MANAGEMENT, { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] }]);
    assert.equal(all(sample(REAL.getBucketAcl)), true);
    assert.equal(all(sample(REAL.serviceEvent)), true);
    assert.equal(all(get), false, 'a data event is not a management event');
    assert.equal(writes(sample(REAL.deleteBucket)), true);
    assert.equal(writes(sample(REAL.getBucketAcl)), false);
    assert.equal(noKms(sample(REAL.kmsDecrypt)), false);
    assert.equal(noKms(sample(REAL.getBucketAcl)), true);
  });

  it('treats a record without eventCategory as a management event', () => {
    const old = without(sample(REAL.getBucketAcl), 'eventCategory');
    assert.equal(matcher([MANAGEMENT])(old), true);
    assert.equal(matcher([DATA, S3_TYPE])(old), false);
  });

  it('never selects Insights events', () => {
    const everything = compileAdvancedEventSelectors([
      { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Insight'] }] },
      { FieldSelectors: [{ Field: 'eventSource', StartsWith: ['ec2'] }] },
    ]);
    assert.equal(everything(insightEvent()), false);
  });

  it('selects data events by resources.type, matching the type of any resource', () => {
    const s3 = matcher([DATA, S3_TYPE]);
    const lambda = matcher([DATA, { Field: 'resources.type', Equals: ['AWS::Lambda::Function'] }]);
    assert.equal(s3(put), true);
    assert.equal(s3(lambdaInvoke('fn')), false);
    assert.equal(lambda(lambdaInvoke('fn')), true);
    assert.equal(s3(sample(REAL.getBucketAcl)), false, 'management events are not data events');
  });

  it('ORs select operators: Equals, StartsWith and EndsWith', () => {
    const m = s3ArnMatcher({
      Equals: ['arn:aws:s3:::photos/exact.jpg'],
      StartsWith: ['arn:aws:s3:::docs/'],
      EndsWith: ['.png'],
    });
    assert.equal(m(s3ObjectEvent('GetObject', 'photos', 'exact.jpg', true)), true, 'Equals');
    assert.equal(m(s3ObjectEvent('GetObject', 'docs', 'a/b.txt', true)), true, 'StartsWith');
    assert.equal(m(s3ObjectEvent('GetObject', 'other', 'x.png', true)), true, 'EndsWith');
    assert.equal(m(s3ObjectEvent('GetObject', 'photos', 'exact.jpg.bak', true)), false);
  });

  it('excludes an event when any deselect operator matches: NotEquals, NotStartsWith, NotEndsWith', () => {
    const m = s3ArnMatcher({
      NotEquals: ['arn:aws:s3:::photos/secret.jpg'],
      NotStartsWith: ['arn:aws:s3:::logs/'],
      NotEndsWith: ['.tmp'],
    });
    assert.equal(m(s3ObjectEvent('GetObject', 'photos', 'ok.jpg', true)), true);
    assert.equal(m(s3ObjectEvent('GetObject', 'photos', 'secret.jpg', true)), false, 'NotEquals');
    assert.equal(m(s3ObjectEvent('PutObject', 'logs', 'a.log', false)), false, 'NotStartsWith');
    assert.equal(m(s3ObjectEvent('PutObject', 'photos', 'x.tmp', false)), false, 'NotEndsWith');
  });

  it('ANDs the select group with the deselect group, as the user guide example does', () => {
    const m = s3ArnMatcher({
      Equals: ['arn:aws:s3:::amzn-s3-demo-bucket/object1'],
      StartsWith: ['arn:aws:s3:::amzn-s3-demo-bucket/'],
      EndsWith: ['object3'],
      NotStartsWith: ['arn:aws:s3:::amzn-s3-demo-bucket/deselect'],
      NotEndsWith: ['object5'],
      NotEquals: ['arn:aws:s3:::amzn-s3-demo-bucket/object6'],
    });
    const ev = (bucket: string, key: string): boolean => m(s3ObjectEvent('GetObject', bucket, key, true));
    assert.equal(ev('amzn-s3-demo-bucket', 'object1'), true);
    assert.equal(ev('amzn-s3-demo-bucket', 'object2'), true);
    assert.equal(ev('amzn-s3-demo-bucket1', 'object3'), true);
    assert.equal(ev('amzn-s3-demo-bucket', 'deselectObject4'), false);
    assert.equal(ev('amzn-s3-demo-bucket', 'object5'), false);
    assert.equal(ev('amzn-s3-demo-bucket', 'object6'), false);
    assert.equal(ev('other-bucket', 'object7'), false, 'no select condition met');
  });

  it('ANDs the field selectors of one selector and ORs the selectors', () => {
    const putsOrLambda = matcher(
      [
        DATA,
        S3_TYPE,
        { Field: 'eventName', Equals: ['PutObject'] },
        { Field: 'readOnly', Equals: ['false'] },
      ],
      [DATA, { Field: 'resources.type', Equals: ['AWS::Lambda::Function'] }],
    );
    assert.equal(putsOrLambda(put), true);
    assert.equal(putsOrLambda(get), false);
    assert.equal(putsOrLambda(lambdaInvoke('fn')), true);
    assert.equal(putsOrLambda(dynamoDbGetItem('t')), false);
  });

  it('matches resources.ARN only against resources of the selected type', () => {
    // An S3 object event also names its bucket; the bucket ARN must not satisfy a condition on objects.
    const bucketArn = s3ArnMatcher({ Equals: ['arn:aws:s3:::photos'] });
    assert.equal(bucketArn(put), false);
    const objectArn = s3ArnMatcher({ Equals: ['arn:aws:s3:::photos/cats/tom.jpg'] });
    assert.equal(objectArn(put), true);
  });

  it('treats a bucket-level S3 data event as touching <bucket ARN>/', () => {
    const wholeBucket = s3ArnMatcher({ StartsWith: ['arn:aws:s3:::photos/'] });
    const keyPrefix = s3ArnMatcher({ StartsWith: ['arn:aws:s3:::photos/cats/'] });
    assert.equal(matcher([DATA, S3_TYPE])(s3BucketDataEvent('photos')), true);
    assert.equal(wholeBucket(s3BucketDataEvent('photos')), true);
    assert.equal(keyPrefix(s3BucketDataEvent('photos')), false);
  });

  it('reads readOnly as "true"/"false" and lets only deselect conditions pass an absent field', () => {
    const reads = matcher([DATA, S3_TYPE, { Field: 'readOnly', Equals: ['true'] }]);
    assert.equal(reads(get), true);
    assert.equal(reads(put), false);
    assert.equal(reads(without(get, 'readOnly')), false);

    const notConsole = matcher([
      DATA,
      S3_TYPE,
      { Field: 'sessionCredentialFromConsole', NotEquals: ['true'] },
    ]);
    const onlyConsole = matcher([DATA, S3_TYPE, { Field: 'sessionCredentialFromConsole', Equals: ['true'] }]);
    assert.equal(notConsole(get), true, 'absent field: NotEquals passes');
    assert.equal(onlyConsole(get), false, 'absent field: Equals fails');
    const fromConsole = { ...get, sessionCredentialFromConsole: 'true' };
    assert.equal(notConsole(fromConsole), false);
    assert.equal(onlyConsole(fromConsole), true);
  });

  it('filters on userIdentity.arn, eventType, eventSource and eventName', () => {
    const m = matcher([
      DATA,
      S3_TYPE,
      {
        Field: 'userIdentity.arn',
        NotStartsWith: ['arn:aws:sts::111122223333:assumed-role/bucket-scanner-role'],
      },
      { Field: 'eventType', Equals: ['AwsApiCall'] },
      { Field: 'eventSource', Equals: ['s3.amazonaws.com'] },
      { Field: 'eventName', StartsWith: ['Get', 'Put'] },
    ]);
    assert.equal(m(get), true);
    const scanner = {
      ...get,
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/bucket-scanner-role/s',
      },
    };
    assert.equal(m(scanner), false);
    assert.equal(m(without(get, 'userIdentity')), true, 'no userIdentity.arn: the deselect cannot match');
    assert.equal(m({ ...get, eventType: 'AwsServiceEvent' }), false);
    assert.equal(m(s3ObjectEvent('DeleteObject', 'photos', 'a', false)), false);
  });

  it('selects network activity events by event source, error code and VPC endpoint', () => {
    const denied = matcher([
      NETWORK,
      { Field: 'eventSource', Equals: ['kms.amazonaws.com'] },
      { Field: 'errorCode', Equals: ['VpceAccessDenied'] },
      { Field: 'vpcEndpointId', StartsWith: ['vpce-0123'] },
    ]);
    assert.equal(denied(networkActivity('kms.amazonaws.com', 'VpceAccessDenied')), true);
    assert.equal(denied(networkActivity('kms.amazonaws.com')), false);
    assert.equal(denied(networkActivity('ec2.amazonaws.com', 'VpceAccessDenied')), false);
    assert.equal(matcher([MANAGEMENT])(networkActivity('kms.amazonaws.com')), false);
  });

  it('selects the console-session management events of the sample logs only through the management category', () => {
    const record = sample(REAL.consoleRead);
    assert.equal(record.sessionCredentialFromConsole, 'true');
    assert.equal(matcher([MANAGEMENT, { Field: 'readOnly', Equals: ['true'] }])(record), true);
    assert.equal(
      matcher([DATA, S3_TYPE, { Field: 'sessionCredentialFromConsole', Equals: ['true'] }])(record),
      false,
    );
  });

  it('ignores resource entries that are not objects and resources that are not a list', () => {
    const odd = {
      ...put,
      resources: [null, 'x', { type: 7, ARN: 8 }, ...(put.resources ?? [])],
    } as unknown as CloudTrailRecord;
    assert.equal(matcher([DATA, S3_TYPE])(odd), true);
    const noList = { ...put, resources: 'none' } as unknown as CloudTrailRecord;
    assert.equal(matcher([DATA, S3_TYPE])(noList), false);
  });

  it('matches resources.ARN against every resource when a stored selector has no resources.type', () => {
    const stored = compileAdvancedEventSelectors([
      { FieldSelectors: [DATA, { Field: 'resources.ARN', Equals: ['arn:aws:s3:::photos'] }] },
    ]);
    assert.equal(stored(put), true);
  });
});
