import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookupFieldsOf, resourcesOf, usernameOf } from './lookup-fields.ts';
import type { CloudTrailRecord } from './record.ts';

const BASE: CloudTrailRecord = {
  eventVersion: '1.11',
  eventTime: '2026-01-01T00:00:00Z',
  eventSource: 'iam.amazonaws.com',
  eventName: 'CreateUser',
  awsRegion: 'us-east-1',
  eventID: 'e',
  eventType: 'AwsApiCall',
  recipientAccountId: '123456789012',
  eventCategory: 'Management',
};

describe('usernameOf()', () => {
  it('gives the IAM user name, root, or the assumed-role session name', () => {
    assert.equal(usernameOf({ type: 'IAMUser', userName: 'alice' }), 'alice');
    assert.equal(usernameOf({ type: 'Root', arn: 'arn:aws:iam::123456789012:root' }), 'root');
    assert.equal(
      usernameOf({ type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/Admin/bob-session' }),
      'bob-session',
    );
    assert.equal(usernameOf({ type: 'AssumedRole', principalId: 'AROAEXAMPLE:i-0abc' }), 'i-0abc');
    assert.equal(
      usernameOf({ type: 'FederatedUser', arn: 'arn:aws:sts::123456789012:federated-user/carol' }),
      'carol',
    );
    assert.equal(usernameOf({ type: 'AWSService', invokedBy: 'ec2.amazonaws.com' }), 'ec2.amazonaws.com');
    assert.equal(usernameOf({ type: 'IdentityCenterUser', onBehalfOf: { userId: 'u-1' } }), 'u-1');
    assert.equal(usernameOf({ type: 'SAMLUser', userName: 'saml-sub' }), 'saml-sub');
    assert.equal(usernameOf(undefined), null);
    assert.equal(usernameOf({ type: 'AssumedRole' }), null);
  });
});

describe('resourcesOf()', () => {
  it('takes typed ARNs from the record and names from known request parameters', () => {
    const record: CloudTrailRecord = {
      ...BASE,
      eventSource: 'ec2.amazonaws.com',
      requestParameters: { instancesSet: { items: [{ instanceId: 'i-1' }, { instanceId: 'i-2' }] } },
      responseElements: { instancesSet: { items: [{ instanceId: 'i-1' }] } },
      resources: [
        { type: 'AWS::EC2::Instance', ARN: 'arn:aws:ec2:us-east-1:123456789012:instance/i-1' },
        { ARN: 'no-type' },
      ],
    };
    assert.deepEqual(resourcesOf(record), [
      ['AWS::EC2::Instance', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1'],
      ['AWS::EC2::Instance', 'i-1'],
      ['AWS::EC2::Instance', 'i-2'],
    ]);
  });

  it('ignores unknown event sources and absurdly deep parameters', () => {
    assert.deepEqual(
      resourcesOf({ ...BASE, eventSource: 'x.amazonaws.com', requestParameters: { userName: 'u' } }),
      [],
    );
    const deep = { a: { b: { c: { d: { e: { f: { userName: 'too-deep' } } } } } } };
    assert.deepEqual(resourcesOf({ ...BASE, requestParameters: deep }), []);
  });
});

describe('lookupFieldsOf()', () => {
  it('derives every lookup column of a management event', () => {
    const fields = lookupFieldsOf({
      ...BASE,
      readOnly: false,
      userIdentity: { type: 'IAMUser', userName: 'alice', accessKeyId: 'AKIAX' },
      requestParameters: { userName: 'bob' },
    });
    assert.deepEqual(fields, {
      eventName: 'CreateUser',
      eventSource: 'iam.amazonaws.com',
      username: 'alice',
      accessKeyId: 'AKIAX',
      readOnly: false,
      resourceTypes: ['AWS::IAM::User'],
      resourceNames: ['bob'],
    });
  });

  it('treats an empty access key as none and a missing readOnly as unknown', () => {
    const fields = lookupFieldsOf({
      ...BASE,
      userIdentity: { type: 'IAMUser', userName: 'a', accessKeyId: '' },
    });
    assert.equal(fields.accessKeyId, null);
    assert.equal(fields.readOnly, null);
  });

  it('names Insights events by the API they are about', () => {
    const fields = lookupFieldsOf({
      ...BASE,
      eventType: 'AwsCloudTrailInsight',
      eventCategory: 'Insight',
      insightDetails: {
        state: 'Start',
        eventSource: 'ssm.amazonaws.com',
        eventName: 'SendCommand',
        insightType: 'ApiCallRateInsight',
      },
    });
    assert.equal(fields.eventName, 'SendCommand');
    assert.equal(fields.eventSource, 'ssm.amazonaws.com');
    assert.deepEqual(fields.resourceTypes, []);
  });
});
