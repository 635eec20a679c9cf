import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudTrailRecord } from '../events/record.ts';
import {
  compileSelection,
  defaultSelection,
  parseSelectionInput,
  selectsAllManagementOnly,
  type EventSelector,
  type TrailSelection,
} from './event-selectors.ts';
import {
  allSamples,
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

function basic(...selectors: unknown[]): TrailSelection {
  return parseSelectionInput({ EventSelectors: selectors });
}

function basicSelectors(...selectors: unknown[]): EventSelector[] {
  const selection = basic(...selectors);
  assert.equal(selection.kind, 'basic');
  return selection.kind === 'basic' ? selection.eventSelectors : [];
}

function rejectsBasic(selectors: unknown[], message: RegExp, code = INVALID): void {
  assertServiceError(() => parseSelectionInput({ EventSelectors: selectors }), code, message);
}

function dataSelector(type: string, values: string[], readWrite = 'All'): unknown {
  return {
    ReadWriteType: readWrite,
    IncludeManagementEvents: false,
    DataResources: [{ Type: type, Values: values }],
  };
}

function selects(selection: TrailSelection, record: CloudTrailRecord): boolean {
  return compileSelection(selection)(record);
}

/** Capitalises the member names of a record's requestParameters into the wire form of the request. */
function toWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), toWire(v)]),
  );
}

describe('defaultSelection()', () => {
  it('is one basic selector for all read and write management events and no data events', () => {
    assert.deepEqual(defaultSelection(), {
      kind: 'basic',
      eventSelectors: [
        {
          ReadWriteType: 'All',
          IncludeManagementEvents: true,
          DataResources: [],
          ExcludeManagementEventSources: [],
        },
      ],
    });
    assert.notEqual(defaultSelection(), defaultSelection(), 'a fresh object each time');
  });

  it('selects every management event of the sample logs and nothing else', () => {
    const selectsDefault = compileSelection(defaultSelection());
    for (const record of allSamples()) assert.equal(selectsDefault(record), true, record.eventID);
    assert.equal(selectsDefault(s3ObjectEvent('GetObject', 'b', 'k', true)), false);
    assert.equal(selectsDefault(networkActivity('kms.amazonaws.com')), false);
    assert.equal(selectsDefault(insightEvent()), false);
  });
});

describe('parseSelectionInput()', () => {
  it('takes EventSelectors or AdvancedEventSelectors, not both and not neither', () => {
    assertServiceError(
      () => parseSelectionInput({ EventSelectors: [{}], AdvancedEventSelectors: [] }),
      INVALID,
      /use either EventSelectors or AdvancedEventSelectors, but not both/,
    );
    assertServiceError(
      () => parseSelectionInput({}),
      INVALID,
      /Neither EventSelectors nor AdvancedEventSelectors was given/,
    );
    assertServiceError(
      () => parseSelectionInput({ EventSelectors: null, AdvancedEventSelectors: null }),
      INVALID,
      /Neither/,
    );
    const advanced = parseSelectionInput({
      EventSelectors: null,
      AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }],
    });
    assert.deepEqual(advanced, {
      kind: 'advanced',
      advancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }],
    });
  });

  it('fills in the defaults GetEventSelectors shows', () => {
    assert.deepEqual(basic({}), defaultSelection());
    assert.deepEqual(basicSelectors({}), [
      {
        ReadWriteType: 'All',
        IncludeManagementEvents: true,
        DataResources: [],
        ExcludeManagementEventSources: [],
      },
    ]);
    assert.deepEqual(
      basicSelectors({
        ReadWriteType: null,
        IncludeManagementEvents: null,
        DataResources: null,
        ExcludeManagementEventSources: null,
      }),
      basicSelectors({}),
    );
    assert.deepEqual(basicSelectors({ DataResources: [{ Type: 'AWS::S3::Object' }] })[0]?.DataResources, [
      { Type: 'AWS::S3::Object', Values: [] },
    ]);
  });

  it('returns the selectors of a real PutEventSelectors call as AWS echoed them', () => {
    // Stratus Red Team's "CloudTrail event selectors" technique: AWS accepted data resources with
    // no values and answered with the normalised selectors in responseElements.
    const record = sample(REAL.putEventSelectors);
    const request = toWire(record.requestParameters) as { EventSelectors: unknown };
    const response = toWire(record.responseElements) as { EventSelectors: unknown };
    const selection = parseSelectionInput({ EventSelectors: request.EventSelectors });
    assert.equal(selection.kind, 'basic');
    assert.deepEqual(
      selection.kind === 'basic' ? selection.eventSelectors : undefined,
      response.EventSelectors,
    );
  });

  it('allows 1 to 5 event selectors', () => {
    assert.equal(basicSelectors({}, {}, {}, {}, {}).length, 5);
    rejectsBasic([], /Specify a valid number of event selectors \(1 to 5\) for a trail; found 0/);
    rejectsBasic([{}, {}, {}, {}, {}, {}], /\(1 to 5\) for a trail; found 6/);
  });

  it('allows ReadWriteType ReadOnly, WriteOnly and All only', () => {
    for (const rw of ['ReadOnly', 'WriteOnly', 'All']) {
      assert.equal(basicSelectors({ ReadWriteType: rw })[0]?.ReadWriteType, rw);
    }
    rejectsBasic(
      [{ ReadWriteType: 'read-only' }],
      /Value read-only for ReadWriteType is invalid\. Valid values are: ReadOnly, WriteOnly, All/,
    );
  });

  it('allows only kms.amazonaws.com and rdsdata.amazonaws.com in ExcludeManagementEventSources', () => {
    assert.deepEqual(
      basicSelectors({ ExcludeManagementEventSources: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] })[0]
        ?.ExcludeManagementEventSources,
      ['kms.amazonaws.com', 'rdsdata.amazonaws.com'],
    );
    rejectsBasic(
      [{ ExcludeManagementEventSources: ['s3.amazonaws.com'] }],
      /Value s3\.amazonaws\.com for ExcludeManagementEventSources is invalid\. Valid values are: kms\.amazonaws\.com, rdsdata\.amazonaws\.com/,
    );
  });

  it('allows only the three basic data resource types', () => {
    rejectsBasic(
      [{ DataResources: [{ Type: 'AWS::S3::Bucket', Values: [] }] }],
      /Value AWS::S3::Bucket for DataResources\.Type is invalid\. Valid values are: AWS::DynamoDB::Table, AWS::Lambda::Function, AWS::S3::Object\. Other resource types need advanced event selectors/,
    );
    rejectsBasic([{ DataResources: [{ Values: [] }] }], /Value null for DataResources\.Type is invalid/);
  });

  it('accepts the documented data resource value forms', () => {
    const values = (type: string, v: string[]): string[] | undefined =>
      basicSelectors(dataSelector(type, v))[0]?.DataResources[0]?.Values;
    const s3 = [
      'arn:aws:s3',
      'arn:aws:s3:::',
      'arn:aws:s3:::amzn-s3-demo-bucket1/',
      'arn:aws:s3:::my.bucket/prefix/*',
      'arn:aws-cn:s3:::b_legacy/',
    ];
    assert.deepEqual(values('AWS::S3::Object', s3), s3);
    const lambda = [
      'arn:aws:lambda',
      'arn:aws:lambda:us-west-2:111111111111:function:helloworld',
      'arn:aws-us-gov:lambda:us-gov-west-1:111111111111:function:hello_world-2:prod',
    ];
    assert.deepEqual(values('AWS::Lambda::Function', lambda), lambda);
    const dynamo = ['arn:aws:dynamodb', 'arn:aws:dynamodb:us-east-1:111122223333:table/Orders'];
    assert.deepEqual(values('AWS::DynamoDB::Table', dynamo), dynamo);
  });

  it('rejects the data resource values AWS rejects, naming the expected forms', () => {
    const bad: [string, string][] = [
      ['AWS::S3::Object', 'arn:aws:s3:::*'],
      ['AWS::S3::Object', 'arn:aws:s3:::*/*'],
      ['AWS::S3::Object', 'arn:aws:s3:::/'],
      ['AWS::S3::Object', 'arn:aws:s3:::cg-*/*'],
      ['AWS::S3::Object', 'arn:aws:s3:::my-bucket'],
      ['AWS::S3::Object', 'my-bucket/'],
      ['AWS::Lambda::Function', 'arn:aws:lambda:*'],
      ['AWS::Lambda::Function', 'arn:aws:lambda:us-east-1:111122223333:function'],
      ['AWS::DynamoDB::Table', 'arn:aws:dynamodb:*'],
      ['AWS::DynamoDB::Table', 'Orders'],
    ];
    for (const [type, value] of bad) {
      const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      rejectsBasic(
        [dataSelector(type, [value])],
        new RegExp(`^Value ${escaped} for DataResources\\.Values is invalid\\. For ${type}, expected`),
      );
    }
  });

  it('allows 250 data resource values over all selectors, not counting values for all resources', () => {
    const buckets = (n: number, from = 0): string[] =>
      Array.from({ length: n }, (_, i) => `arn:aws:s3:::bucket-${from + i}/`);
    assert.equal(basicSelectors(dataSelector('AWS::S3::Object', [...buckets(250), 'arn:aws:s3'])).length, 1);
    assert.equal(
      basicSelectors(
        dataSelector('AWS::S3::Object', buckets(125)),
        dataSelector('AWS::S3::Object', buckets(125, 125)),
      ).length,
      2,
    );
    rejectsBasic(
      [
        dataSelector('AWS::S3::Object', buckets(200)),
        dataSelector('AWS::Lambda::Function', [
          ...Array.from({ length: 51 }, (_, i) => `arn:aws:lambda:us-east-1:111122223333:function:f${i}`),
          'arn:aws:lambda',
        ]),
      ],
      /Specify a valid number of DataResources\.Values \(0 to 250\) for all your selectors; found 251/,
    );
  });

  it('answers wrong JSON types with SerializationException', () => {
    const ser = 'SerializationException';
    assertServiceError(
      () => parseSelectionInput({ EventSelectors: {} }),
      ser,
      /EventSelectors must be a list, found object/,
    );
    rejectsBasic(['x'], /EventSelectors\[0\] must be an object, found string/, ser);
    rejectsBasic([{ ReadWriteType: 1 }], /EventSelectors\[0\]\.ReadWriteType must be a string/, ser);
    rejectsBasic(
      [{ IncludeManagementEvents: 'true' }],
      /IncludeManagementEvents must be a boolean, found string/,
      ser,
    );
    rejectsBasic([{ DataResources: {} }], /DataResources must be a list/, ser);
    rejectsBasic([{ DataResources: [[]] }], /DataResources\[0\] must be an object, found array/, ser);
    rejectsBasic([{ DataResources: [{ Type: 3 }] }], /DataResources\[0\]\.Type must be a string/, ser);
    rejectsBasic(
      [{ DataResources: [{ Type: 'AWS::S3::Object', Values: 'arn:aws:s3' }] }],
      /Values must be a list/,
      ser,
    );
    rejectsBasic(
      [{ DataResources: [{ Type: 'AWS::S3::Object', Values: [null] }] }],
      /Values\[0\] must be a string, found null/,
      ser,
    );
    rejectsBasic(
      [{ ExcludeManagementEventSources: [true] }],
      /ExcludeManagementEventSources\[0\] must be a string, found boolean/,
      ser,
    );
  });
});

describe('compileSelection() with basic selectors', () => {
  const readOnlyMgmt = basic({ ReadWriteType: 'ReadOnly' });
  const writeOnlyMgmt = basic({ ReadWriteType: 'WriteOnly' });

  it('applies ReadWriteType to management events by readOnly (real records)', () => {
    assert.equal(selects(readOnlyMgmt, sample(REAL.getBucketAcl)), true);
    assert.equal(selects(readOnlyMgmt, sample(REAL.deleteBucket)), false);
    assert.equal(selects(writeOnlyMgmt, sample(REAL.deleteBucket)), true);
    assert.equal(selects(writeOnlyMgmt, sample(REAL.getBucketAcl)), false);
    const unknownAccess = without(sample(REAL.getBucketAcl), 'readOnly');
    assert.equal(selects(readOnlyMgmt, unknownAccess), false, 'no readOnly: only All selects it');
    assert.equal(selects(writeOnlyMgmt, unknownAccess), false);
    assert.equal(selects(defaultSelection(), unknownAccess), true);
  });

  it('applies ReadWriteType to data events too', () => {
    const writes = basic(dataSelector('AWS::S3::Object', ['arn:aws:s3'], 'WriteOnly'));
    assert.equal(selects(writes, s3ObjectEvent('PutObject', 'b', 'k', false)), true);
    assert.equal(selects(writes, s3ObjectEvent('GetObject', 'b', 'k', true)), false);
  });

  it('drops management events when IncludeManagementEvents is false', () => {
    const none = basic({ IncludeManagementEvents: false });
    assert.equal(selects(none, sample(REAL.getBucketAcl)), false);
    assert.equal(
      allSamples().some((r) => selects(none, r)),
      false,
    );
  });

  it('drops the management events of excluded sources only (real KMS Decrypt)', () => {
    const noKms = basic({ ExcludeManagementEventSources: ['kms.amazonaws.com'] });
    assert.equal(selects(noKms, sample(REAL.kmsDecrypt)), false);
    assert.equal(selects(noKms, sample(REAL.getBucketAcl)), true);
    const kmsData = { ...s3ObjectEvent('GetObject', 'b', 'k', true), eventSource: 'kms.amazonaws.com' };
    const dataNoKms = basic({
      ...(dataSelector('AWS::S3::Object', ['arn:aws:s3']) as object),
      ExcludeManagementEventSources: ['kms.amazonaws.com'],
    });
    assert.equal(selects(dataNoKms, kmsData), true, 'the exclusion is for management events only');
  });

  it('selects S3 object events by all buckets, bucket and key prefix', () => {
    const photoKey = s3ObjectEvent('GetObject', 'photos', 'cats/tom.jpg', true);
    const otherBucket = s3ObjectEvent('GetObject', 'photos2', 'cats/tom.jpg', true);
    const all = basic(dataSelector('AWS::S3::Object', ['arn:aws:s3']));
    const allOld = basic(dataSelector('AWS::S3::Object', ['arn:aws:s3:::']));
    const bucket = basic(dataSelector('AWS::S3::Object', ['arn:aws:s3:::photos/']));
    const prefix = basic(dataSelector('AWS::S3::Object', ['arn:aws:s3:::photos/cats/']));
    const otherPrefix = basic(dataSelector('AWS::S3::Object', ['arn:aws:s3:::photos/dogs/']));
    assert.equal(selects(all, photoKey), true);
    assert.equal(selects(allOld, otherBucket), true);
    assert.equal(selects(bucket, photoKey), true);
    assert.equal(selects(bucket, otherBucket), false, 'photos/ is not a prefix of photos2/');
    assert.equal(selects(prefix, photoKey), true);
    assert.equal(selects(otherPrefix, photoKey), false);
    assert.equal(selects(all, lambdaInvoke('fn')), false, 'a Lambda event has no S3 object');
    assert.equal(
      selects(all, sample(REAL.getBucketAcl)),
      false,
      'a bucket management event is not a data event',
    );
  });

  it('selects bucket-level S3 data events for a whole-bucket value but not for a key prefix', () => {
    assert.equal(
      selects(basic(dataSelector('AWS::S3::Object', ['arn:aws:s3:::photos/'])), s3BucketDataEvent('photos')),
      true,
    );
    assert.equal(
      selects(
        basic(dataSelector('AWS::S3::Object', ['arn:aws:s3:::photos/cats/'])),
        s3BucketDataEvent('photos'),
      ),
      false,
    );
    assert.equal(
      selects(basic(dataSelector('AWS::S3::Object', ['arn:aws:s3'])), s3BucketDataEvent('other')),
      true,
    );
  });

  it('selects Lambda functions exactly, or all of them', () => {
    const hello = basic(
      dataSelector('AWS::Lambda::Function', ['arn:aws:lambda:us-east-1:111122223333:function:helloworld']),
    );
    assert.equal(selects(hello, lambdaInvoke('helloworld')), true);
    assert.equal(selects(hello, lambdaInvoke('helloworld2')), false, 'function ARNs are exact, not prefixes');
    assert.equal(
      selects(basic(dataSelector('AWS::Lambda::Function', ['arn:aws:lambda'])), lambdaInvoke('any')),
      true,
    );
  });

  it('selects DynamoDB tables exactly, or all of them', () => {
    const orders = basic(
      dataSelector('AWS::DynamoDB::Table', ['arn:aws:dynamodb:us-east-1:111122223333:table/Orders']),
    );
    assert.equal(selects(orders, dynamoDbGetItem('Orders')), true);
    assert.equal(selects(orders, dynamoDbGetItem('OrdersArchive')), false);
    assert.equal(
      selects(basic(dataSelector('AWS::DynamoDB::Table', ['arn:aws:dynamodb'])), dynamoDbGetItem('X')),
      true,
    );
    assert.equal(selects(orders, s3ObjectEvent('GetObject', 'b', 'k', true)), false);
  });

  it('selects nothing for a data resource without values', () => {
    const empty = basic(dataSelector('AWS::S3::Object', []));
    assert.equal(selects(empty, s3ObjectEvent('GetObject', 'b', 'k', true)), false);
  });

  it('ORs the selectors of a trail', () => {
    const selection = basic(
      { ReadWriteType: 'WriteOnly' },
      dataSelector('AWS::Lambda::Function', ['arn:aws:lambda']),
    );
    assert.equal(selects(selection, sample(REAL.deleteBucket)), true);
    assert.equal(selects(selection, sample(REAL.getBucketAcl)), false);
    assert.equal(selects(selection, lambdaInvoke('fn')), true);
  });

  it('never selects network activity or Insights events', () => {
    const everything = basic({
      ReadWriteType: 'All',
      IncludeManagementEvents: true,
      DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }],
    });
    assert.equal(selects(everything, networkActivity('kms.amazonaws.com')), false);
    assert.equal(selects(everything, insightEvent()), false);
  });

  it('ignores data resource values it cannot read in a stored selection', () => {
    const stored: TrailSelection = {
      kind: 'basic',
      eventSelectors: [
        {
          ReadWriteType: 'All',
          IncludeManagementEvents: false,
          DataResources: [
            { Type: 'AWS::S3::Object', Values: ['not-an-arn'] },
            { Type: 'AWS::SNS::Topic', Values: ['arn:aws:sns'] },
          ],
          ExcludeManagementEventSources: [],
        },
      ],
    };
    assert.equal(selects(stored, s3ObjectEvent('GetObject', 'b', 'k', true)), false);
  });
});

describe('compileSelection() with advanced selectors', () => {
  it('delegates to the advanced matcher', () => {
    const selection = parseSelectionInput({
      AdvancedEventSelectors: [
        { Name: 'management', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
        {
          Name: 'kms network activity',
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['NetworkActivity'] },
            { Field: 'eventSource', Equals: ['kms.amazonaws.com'] },
          ],
        },
      ],
    });
    assert.equal(selects(selection, sample(REAL.kmsDecrypt)), true);
    assert.equal(selects(selection, networkActivity('kms.amazonaws.com')), true);
    assert.equal(selects(selection, networkActivity('ec2.amazonaws.com')), false);
    assert.equal(selects(selection, s3ObjectEvent('GetObject', 'b', 'k', true)), false);
  });
});

describe('selectsAllManagementOnly()', () => {
  it('is true for the default selection and false once anything narrows or widens it', () => {
    assert.equal(selectsAllManagementOnly(defaultSelection()), true);
    const basic = (s: Partial<EventSelector>): TrailSelection => ({
      kind: 'basic',
      eventSelectors: [
        {
          ReadWriteType: 'All',
          IncludeManagementEvents: true,
          DataResources: [],
          ExcludeManagementEventSources: [],
          ...s,
        },
      ],
    });
    assert.equal(selectsAllManagementOnly(basic({ ReadWriteType: 'ReadOnly' })), false);
    assert.equal(
      selectsAllManagementOnly(basic({ ExcludeManagementEventSources: ['kms.amazonaws.com'] })),
      false,
    );
    assert.equal(
      selectsAllManagementOnly(
        basic({ DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] }),
      ),
      false,
    );
    assert.equal(selectsAllManagementOnly(basic({ IncludeManagementEvents: false })), false);
    assert.equal(
      selectsAllManagementOnly({
        kind: 'advanced',
        advancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }],
      }),
      false,
    );
  });
});
