/**
 * Records for the selector tests. Management events come from the real sample logs in
 * test/fixtures/cloudtrail-samples; those logs hold no data, network activity or Insights events, so those are
 * written here in the shape the CloudTrail and S3 user guides show for such records.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudTrailRecord } from '../events/record.ts';

import { CLOUDTRAIL_SAMPLES as SAMPLES } from '../../test/fixtures/samples.ts';

let byId: Map<string, CloudTrailRecord> | undefined;

function loadSamples(): Map<string, CloudTrailRecord> {
  const map = new Map<string, CloudTrailRecord>();
  const invictus = join(SAMPLES, 'invictus-ir-aws_dataset');
  for (const name of readdirSync(invictus).filter((n) => n.endsWith('.json'))) {
    const file = JSON.parse(readFileSync(join(invictus, name), 'utf8')) as { Records: CloudTrailRecord[] };
    for (const r of file.Records) map.set(r.eventID, r);
  }
  const stratus = join(SAMPLES, 'stratus-red-team-detonation-logs');
  for (const name of readdirSync(stratus).filter((n) => n.endsWith('.json'))) {
    for (const r of JSON.parse(readFileSync(join(stratus, name), 'utf8')) as CloudTrailRecord[])
      map.set(r.eventID, r);
  }
  return map;
}

/** A record of the sample logs, by eventID. */
export function sample(eventID: string): CloudTrailRecord {
  byId ??= loadSamples();
  const record = byId.get(eventID);
  assert.ok(record, `sample record ${eventID} not found`);
  return record;
}

export function allSamples(): CloudTrailRecord[] {
  byId ??= loadSamples();
  return [...byId.values()];
}

/** Real management events (invictus-ir dataset). */
export const REAL = {
  /** s3 GetBucketAcl, readOnly, resource AWS::S3::Bucket. */
  getBucketAcl: 'd9a07e9d-28ac-45d9-b8ef-43433808f2f0',
  /** s3 DeleteBucket, write. */
  deleteBucket: 'd6b83ae2-b5f0-40e6-8079-8311b8934faf',
  /** kms Decrypt, readOnly, resource AWS::KMS::Key. */
  kmsDecrypt: 'c4f206c9-627d-41b2-8ac7-b2615c066ab9',
  /** health DescribeEventAggregates from a console session (sessionCredentialFromConsole "true"). */
  consoleRead: '21c87313-5709-46b6-9a83-c7096a761200',
  /** secretsmanager AwsServiceEvent without userIdentity.arn. */
  serviceEvent: 'd2ba211c-a040-45b6-86d0-33249cc21647',
  /** cloudtrail PutEventSelectors from the Stratus Red Team detonation log. */
  putEventSelectors: 'c2a89408-340a-42f0-8ace-75d9f5769393',
} as const;

const BASE = {
  eventVersion: '1.10',
  eventTime: '2024-05-01T10:00:00Z',
  awsRegion: 'us-east-1',
  recipientAccountId: '111122223333',
  eventType: 'AwsApiCall',
  managementEvent: false,
  userIdentity: {
    type: 'AssumedRole',
    arn: 'arn:aws:sts::111122223333:assumed-role/app-role/session',
    accountId: '111122223333',
  },
};

export function s3ObjectEvent(
  eventName: string,
  bucket: string,
  key: string,
  readOnly: boolean,
): CloudTrailRecord {
  return {
    ...BASE,
    eventID: `s3-${eventName}-${bucket}-${key}`,
    eventSource: 's3.amazonaws.com',
    eventName,
    readOnly,
    eventCategory: 'Data',
    requestParameters: { bucketName: bucket, key },
    resources: [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
      { accountId: '111122223333', type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
    ],
  };
}

/** A bucket-level S3 data event (ListObjects): only the bucket is named. */
export function s3BucketDataEvent(bucket: string): CloudTrailRecord {
  return {
    ...BASE,
    eventID: `s3-ListObjects-${bucket}`,
    eventSource: 's3.amazonaws.com',
    eventName: 'ListObjects',
    readOnly: true,
    eventCategory: 'Data',
    resources: [{ accountId: '111122223333', type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` }],
  };
}

export function lambdaInvoke(functionName: string): CloudTrailRecord {
  return {
    ...BASE,
    eventID: `lambda-Invoke-${functionName}`,
    eventSource: 'lambda.amazonaws.com',
    eventName: 'Invoke',
    readOnly: false,
    eventCategory: 'Data',
    resources: [
      {
        accountId: '111122223333',
        type: 'AWS::Lambda::Function',
        ARN: `arn:aws:lambda:us-east-1:111122223333:function:${functionName}`,
      },
    ],
  };
}

export function dynamoDbGetItem(table: string): CloudTrailRecord {
  return {
    ...BASE,
    eventID: `dynamodb-GetItem-${table}`,
    eventSource: 'dynamodb.amazonaws.com',
    eventName: 'GetItem',
    readOnly: true,
    eventCategory: 'Data',
    resources: [
      {
        accountId: '111122223333',
        type: 'AWS::DynamoDB::Table',
        ARN: `arn:aws:dynamodb:us-east-1:111122223333:table/${table}`,
      },
    ],
  };
}

export function networkActivity(eventSource: string, errorCode?: string): CloudTrailRecord {
  return {
    ...BASE,
    eventID: `net-${eventSource}-${errorCode ?? 'ok'}`,
    eventSource,
    eventName: 'ListKeys',
    eventType: 'AwsVpceEvent',
    readOnly: true,
    eventCategory: 'NetworkActivity',
    vpcEndpointId: 'vpce-0123456789abcdef0',
    ...(errorCode === undefined
      ? {}
      : { errorCode, errorMessage: 'The request was denied due to a VPC endpoint policy' }),
  };
}

export function insightEvent(): CloudTrailRecord {
  return {
    eventVersion: '1.08',
    eventTime: '2024-05-01T10:00:00Z',
    awsRegion: 'us-east-1',
    eventID: 'insight-1',
    eventType: 'AwsCloudTrailInsight',
    recipientAccountId: '111122223333',
    sharedEventID: 'shared-1',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RunInstances',
    eventCategory: 'Insight',
    insightDetails: { state: 'Start', eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances' },
  };
}

/** A copy of the record without one field. */
export function without(record: CloudTrailRecord, field: string): CloudTrailRecord {
  const copy: CloudTrailRecord = { ...record };
  delete copy[field];
  return copy;
}
