/**
 * readPolicyDocument() answers IAM's MalformedPolicyDocument messages. The documents and the
 * messages are the ones IAM answered CreatePolicy/PutUserPolicy/CreateRole with, as recorded in
 * moto's IAM policy tests (tests/test_iam/test_iam_policies.py) and in public issue reports
 * (hashicorp/terraform#13449 "Policy document should not specify a principal.",
 * kubernetes-sigs/external-dns#3085 "Has prohibited field Resource", S3 "Missing required field
 * Principal").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPolicyDocument, type PolicyKind } from './index.ts';

const V = '2012-10-17';
const ok = { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::example_bucket' };

const invalid: [string, unknown, string, PolicyKind?][] = [
  ['not JSON', 'This is not a json document', 'Syntax errors in policy.'],
  ['no Version', { Statement: ok }, 'Policy document must be version 2012-10-17 or greater.'],
  [
    'Version 2008-10-17 for an identity policy',
    { Version: '2008-10-17', Statement: ok },
    'Policy document must be version 2012-10-17 or greater.',
  ],
  ['an unknown Version', { Version: '2013-10-17', Statement: ok }, 'Syntax errors in policy.'],
  ['no Statement', { Version: V }, 'Syntax errors in policy.'],
  ['a string statement', { Version: V, Statement: ['afd'] }, 'Syntax errors in policy.'],
  [
    'an extra top-level field',
    { Version: V, Statement: ok, 'Extra field': 'value' },
    'Syntax errors in policy.',
  ],
  [
    'an extra statement field',
    { Version: V, Statement: { ...ok, 'Extra field': 'value' } },
    'Syntax errors in policy.',
  ],
  ['an Id that is a list', { Version: V, Id: ['cd3a'], Statement: ok }, 'Syntax errors in policy.'],
  ['an Id that is an object', { Version: V, Id: {}, Statement: ok }, 'Syntax errors in policy.'],
  ['an invalid Effect', { Version: V, Statement: { ...ok, Effect: 'invalid' } }, 'Syntax errors in policy.'],
  [
    'an action without vendor',
    { Version: V, Statement: { ...ok, Action: 'invalid' } },
    'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  ],
  [
    'an empty NotAction',
    { Version: V, Statement: { Effect: 'Allow', NotAction: '', Resource: 'arn:aws:s3:::example_bucket' } },
    'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  ],
  [
    'a vendor with a space',
    { Version: V, Statement: { ...ok, Action: 'a a:ListBucket' } },
    'Vendor a a is not valid',
  ],
  [
    'two colons in an action',
    { Version: V, Statement: { ...ok, Action: 's3:List:Bucket' } },
    'Actions/Condition can contain only one colon.',
  ],
  [
    'two colons in the second statement',
    {
      Version: V,
      Statement: [
        { ...ok, Action: 's3s:ListBucket' },
        { ...ok, Action: 's:3s:ListBucket' },
      ],
    },
    'Actions/Condition can contain only one colon.',
  ],
  [
    'a resource that is no ARN',
    { Version: V, Statement: { ...ok, Resource: 'invalid resource' } },
    'Resource invalid resource must be in ARN format or "*".',
  ],
  [
    'the resource format before the action colons',
    { Version: V, Statement: { Effect: 'Allow', Action: 's:3:ListBucket', Resource: 'sdfsadf' } },
    'Resource sdfsadf must be in ARN format or "*".',
  ],
  [
    'a list with a non-ARN resource',
    { Version: V, Statement: { ...ok, Resource: ['adf'] } },
    'Resource adf must be in ARN format or "*".',
  ],
  [
    'an empty resource',
    { Version: V, Statement: { ...ok, Resource: '' } },
    'Resource  must be in ARN format or "*".',
  ],
  [
    'an invalid partition',
    { Version: V, Statement: { Effect: 'Allow', NotAction: 's3s:ListBucket', Resource: 'a:bsdfdsafsad' } },
    'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".',
  ],
  [
    'an invalid partition with a service',
    { Version: V, Statement: { Effect: 'Allow', NotAction: 's3s:ListBucket', Resource: 'a:b:cadfsdf' } },
    'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".',
  ],
  [
    'an invalid partition with many parts',
    { Version: V, Statement: { Effect: 'Allow', NotAction: 's3s:ListBucket', Resource: 'a:b:c:d:e:f:g:h' } },
    'Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".',
  ],
  [
    'a missing arn prefix',
    { Version: V, Statement: { ...ok, Resource: 'aws:s3:::example_bucket' } },
    'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".',
  ],
  [
    'an error partition in a list',
    {
      Version: V,
      Statement: { ...ok, Resource: ['arn:error:s3:::example_bucket', 'arn:error:s3::example_bucket'] },
    },
    'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".',
  ],
  ['an empty statement list', { Version: V, Statement: [] }, 'Syntax errors in policy.'],
  [
    'no Resource',
    { Version: V, Statement: { Effect: 'Allow', Action: 's3:ListBucket' } },
    'Policy statement must contain resources.',
  ],
  [
    'an empty Resource list',
    { Version: V, Statement: { ...ok, Resource: [] } },
    'Policy statement must contain resources.',
  ],
  [
    'no Resource and an action without vendor',
    { Version: V, Statement: { Effect: 'Allow', Action: 'invalid' } },
    'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  ],
  [
    'no Action',
    { Version: V, Statement: { Effect: 'Allow', Resource: 'arn:aws:s3:::example_bucket' } },
    'Policy statement must contain actions.',
  ],
  [
    'no Effect',
    { Version: V, Statement: { Action: 's3:ListBucket', Resource: 'arn:aws:s3:::example_bucket' } },
    'Syntax errors in policy.',
  ],
  [
    'only an Effect',
    { Version: V, Statement: { Effect: 'Allow' } },
    'Policy statement must contain actions.',
  ],
  [
    'an empty Action list',
    { Version: V, Statement: { ...ok, Action: [] } },
    'Policy statement must contain actions.',
  ],
  [
    'a statement without actions before a good one',
    { Version: V, Statement: [{ Effect: 'Deny' }, ok] },
    'Policy statement must contain actions.',
  ],
  [
    'an IAM resource with an unknown type',
    { Version: V, Statement: { ...ok, Resource: 'arn:aws:iam:::example_bucket' } },
    'IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.',
  ],
  [
    'a short ARN with ::',
    { Version: V, Statement: { ...ok, Resource: 'arn:aws:s3::example_bucket' } },
    'The policy failed legacy parsing',
  ],
  [
    'a short ARN with :: and no action',
    { Version: V, Statement: { Effect: 'Allow', Resource: 'arn:aws:s3::example_bucket' } },
    'The policy failed legacy parsing',
  ],
  [
    'a resource of only a partition',
    { Version: V, Statement: { ...ok, Resource: 'arn:aws' } },
    'Resource vendor must be fully qualified and cannot contain regexes.',
  ],
  [
    'a Resource object',
    { Version: V, Statement: { ...ok, Resource: { a: 'arn:aws:s3:::example_bucket' } } },
    'Syntax errors in policy.',
  ],
  [
    'a Resource list with an object',
    { Version: V, Statement: { ...ok, Effect: 'Deny', Resource: ['adfdf', {}] } },
    'Syntax errors in policy.',
  ],
  [
    'Resource and NotResource',
    {
      Version: V,
      Statement: {
        Effect: 'Allow',
        NotAction: 's3:ListBucket',
        Resource: 'arn:aws:s3:::example_bucket',
        NotResource: [],
      },
    },
    'Syntax errors in policy.',
  ],
  [
    'an Action list of lists',
    { Version: V, Statement: { ...ok, Effect: 'Deny', Action: [[]] } },
    'Syntax errors in policy.',
  ],
  [
    'Action and NotAction',
    { Version: V, Statement: { ...ok, NotAction: 's3s:ListBucket', Action: [] } },
    'Syntax errors in policy.',
  ],
  ['an Action object', { Version: V, Statement: { ...ok, Action: {} } }, 'Syntax errors in policy.'],
  ['a Condition list', { Version: V, Statement: { ...ok, Condition: [] } }, 'Syntax errors in policy.'],
  ['a Condition string', { Version: V, Statement: { ...ok, Condition: 'a' } }, 'Syntax errors in policy.'],
  [
    'an unknown operator with a key',
    { Version: V, Statement: { ...ok, Condition: { a: 'b' } } },
    'Syntax errors in policy.',
  ],
  [
    'an operator with a string block',
    { Version: V, Statement: { ...ok, Condition: { DateGreaterThan: 'b' } } },
    'Syntax errors in policy.',
  ],
  [
    'an operator with a list block',
    { Version: V, Statement: { ...ok, Condition: { DateGreaterThan: [] } } },
    'Syntax errors in policy.',
  ],
  [
    'a condition value object',
    { Version: V, Statement: { ...ok, Condition: { DateGreaterThan: { a: {} } } } },
    'Syntax errors in policy.',
  ],
  [
    'an unknown operator x',
    { Version: V, Statement: { ...ok, Condition: { x: { a: '1' } } } },
    'Syntax errors in policy.',
  ],
  [
    'a double colon after ForAnyValue',
    { Version: V, Statement: { ...ok, Condition: { 'ForAnyValue::StringEqualsIfExists': { a: 'asf' } } } },
    'Syntax errors in policy.',
  ],
  [
    'a Condition list of blocks',
    {
      Version: V,
      Statement: { ...ok, Condition: [{ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'Department' } }] },
    },
    'Syntax errors in policy.',
  ],
  [
    'an IAM resource with a region',
    { Version: V, Statement: { ...ok, Resource: 'arn:aws:iam:us-east-1::example_bucket' } },
    'IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.',
  ],
  [
    'an S3 resource with a region',
    { Version: V, Statement: { ...ok, Resource: 'arn:aws:s3:us-east-1::example_bucket' } },
    'Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.',
  ],
  ['a Sid object', { Version: V, Statement: { ...ok, Sid: {} } }, 'Syntax errors in policy.'],
  ['a Sid list', { Version: V, Statement: { ...ok, Sid: [] } }, 'Syntax errors in policy.'],
  [
    'duplicate Sids',
    {
      Version: V,
      Statement: [
        { ...ok, Sid: 'sdf' },
        { Sid: 'sdf', Effect: 'Allow' },
      ],
    },
    'Statement IDs (SID) in a single policy must be unique.',
  ],
  [
    'duplicate Sids without Version',
    {
      Statement: [
        { ...ok, Sid: 'sdf' },
        { Sid: 'sdf', Effect: 'Allow' },
      ],
    },
    'Policy document must be version 2012-10-17 or greater.',
  ],
  [
    'NotAction and Action',
    { Version: V, Statement: { ...ok, NotAction: 's3:ListBucket', Action: 'iam:dsf' } },
    'Syntax errors in policy.',
  ],
  [
    'Resource and NotResource *',
    { Version: V, Statement: { ...ok, NotResource: '*' } },
    'Syntax errors in policy.',
  ],
  ['Effect denY', { Version: V, Statement: { ...ok, Effect: 'denY' } }, 'The policy failed legacy parsing'],
  [
    'a date that is no date',
    { Version: V, Statement: { ...ok, Condition: { DateGreaterThan: { a: 'sdfdsf' } } } },
    'The policy failed legacy parsing',
  ],
  [
    'no Version before a bad date',
    { Statement: { ...ok, Condition: { DateGreaterThan: { a: 'sdfdsf' } } } },
    'Policy document must be version 2012-10-17 or greater.',
  ],
  [
    'a bad date and no action',
    { Version: V, Statement: { Effect: 'Allow', Condition: { DateGreaterThan: { a: 'sdfdsf' } } } },
    'The policy failed legacy parsing',
  ],
  [
    'an ARN with :::: ',
    {
      Version: V,
      Statement: { Effect: 'Allow', NotAction: 's3:ListBucket', Resource: 'arn:aws::::example_bucket' },
    },
    'The policy failed legacy parsing',
  ],
  [
    'Effect aLLow with duplicate Sids',
    {
      Version: V,
      Statement: [
        { ...ok, Sid: 'sdf', Effect: 'aLLow' },
        { Sid: 'sdf', Effect: 'Allow' },
      ],
    },
    'The policy failed legacy parsing',
  ],
  [
    'a NotResource with ::',
    {
      Version: V,
      Statement: { Effect: 'Allow', Action: 's3:ListBucket', NotResource: 'arn:aws:s3::example_bucket' },
    },
    'The policy failed legacy parsing',
  ],
  [
    'a month 13',
    { Version: V, Statement: { ...ok, Condition: { DateLessThanEquals: { a: '234-13' } } } },
    'The policy failed legacy parsing',
  ],
  [
    'an epoch beyond 64 bits',
    { Version: V, Statement: { ...ok, Condition: { DateLessThan: { a: '9223372036854775808' } } } },
    'The policy failed legacy parsing',
  ],
  [
    'arn:aws::fdsasf',
    { Version: V, Statement: { ...ok, Resource: 'arn:aws::fdsasf' } },
    'The policy failed legacy parsing',
  ],
  [
    'a Principal in an identity policy',
    { Version: V, Statement: { ...ok, Principal: { AWS: '123456789012' } } },
    'Policy document should not specify a principal.',
  ],
  [
    'a NotPrincipal in an identity policy',
    { Version: V, Statement: { ...ok, NotPrincipal: { AWS: '123456789012' } } },
    'Policy document should not specify a principal.',
  ],
  [
    'a trust policy with Resource',
    {
      Version: V,
      Statement: {
        Effect: 'Allow',
        Principal: { Service: 'ec2.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Resource: '*',
      },
    },
    'Has prohibited field Resource',
    'trust',
  ],
  [
    'a bucket policy without Principal',
    { Version: V, Statement: ok },
    'Missing required field Principal',
    'resource',
  ],
  [
    'a trust policy without Principal',
    { Version: V, Statement: { Effect: 'Allow', Action: 'sts:AssumeRole' } },
    'Missing required field Principal',
    'trust',
  ],
  [
    'an unknown principal type',
    { Version: V, Statement: { ...ok, Principal: { User: 'x' } } },
    'Syntax errors in policy.',
    'resource',
  ],
  [
    'a Principal in an SCP',
    { Version: V, Statement: { ...ok, Principal: '*' } },
    'Policy document should not specify a principal.',
    'scp',
  ],
];

for (const [name, document, message, kind] of invalid) {
  test(`readPolicyDocument() rejects ${name}: ${message}`, () => {
    const result = readPolicyDocument(
      typeof document === 'string' ? document : JSON.stringify(document),
      kind ?? 'identity',
    );
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.code, 'MalformedPolicyDocument');
      assert.equal(result.message, message);
    }
  });
}

const valid: [string, unknown, PolicyKind?][] = [
  ['a Resource list', { Version: V, Statement: { ...ok, Resource: ['arn:aws:s3:::example_bucket'] } }],
  ['an action with spaces in its name', { Version: V, Statement: { ...ok, Action: 'iam: asdf safdsf af ' } }],
  [
    'a Resource list with *',
    { Version: V, Statement: { ...ok, Resource: ['arn:aws:s3:::example_bucket', '*'] } },
  ],
  ['Action *', { Version: V, Statement: { ...ok, Action: '*' } }],
  ['a statement list', { Version: V, Statement: [ok] }],
  [
    'date conditions',
    {
      Version: V,
      Statement: {
        ...ok,
        Condition: {
          DateGreaterThan: { 'aws:CurrentTime': '2017-07-01T00:00:00Z' },
          DateLessThan: { 'aws:CurrentTime': '2017-12-31T23:59:59Z' },
        },
      },
    },
  ],
  [
    'an IAM user resource',
    { Version: V, Statement: { ...ok, Resource: 'arn:aws:iam:::user/example_bucket' } },
  ],
  ['an unknown service', { Version: V, Statement: { ...ok, Resource: 'arn:aws:s33:::example_bucket' } }],
  ['a short ARN without ::', { Version: V, Statement: { ...ok, Resource: 'arn:aws:fdsasf' } }],
  ['an empty Condition', { Version: V, Statement: { ...ok, Condition: {} } }],
  [
    'ForAllValues with one value',
    {
      Version: V,
      Statement: { ...ok, Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': 'Department' } } },
    },
  ],
  [
    'a region for CloudWatch',
    { Version: V, Statement: { ...ok, Resource: 'arn:aws:cloudwatch:us-east-1::example_bucket' } },
  ],
  ['an empty operator block', { Version: V, Statement: { ...ok, Condition: { DateGreaterThan: {} } } }],
  ['an empty value list', { Version: V, Statement: { ...ok, Condition: { DateGreaterThan: { a: [] } } } }],
  ['an unknown operator without keys', { Version: V, Statement: { ...ok, Condition: { a: {} } } }],
  [
    'NotResource *',
    { Version: V, Statement: { Effect: 'Allow', NotAction: 's3:ListBucket', NotResource: '*' } },
  ],
  [
    'StringEqualsIfExists',
    { Version: V, Statement: { ...ok, Condition: { StringEqualsIfExists: { a: 'asf' } } } },
  ],
  [
    'ForAnyValue:StringEqualsIfExists',
    { Version: V, Statement: { ...ok, Condition: { 'ForAnyValue:StringEqualsIfExists': { a: 'asf' } } } },
  ],
  [
    'a date with microseconds and offset',
    {
      Version: V,
      Statement: { ...ok, Condition: { DateLessThanEquals: { a: '2016-12-13T21:20:37.593194+00:00' } } },
    },
  ],
  [
    'a JSON boolean condition value',
    { Version: V, Statement: { ...ok, Condition: { Bool: { 'aws:SecureTransport': false } } } },
  ],
  [
    'a role trust policy',
    {
      Version: V,
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:root' },
        Action: 'sts:AssumeRole',
      },
    },
    'trust',
  ],
  [
    'a bucket policy of 2008-10-17',
    { Version: '2008-10-17', Statement: { ...ok, Principal: '*' } },
    'resource',
  ],
  [
    'an SCP',
    { Version: V, Statement: { Effect: 'Deny', Action: 'cloudtrail:StopLogging', Resource: '*' } },
    'scp',
  ],
];

for (const [name, document, kind] of valid) {
  test(`readPolicyDocument() accepts ${name}`, () => {
    const result = readPolicyDocument(JSON.stringify(document), kind ?? 'identity');
    assert.equal(result.ok ? 'ok' : result.message, 'ok');
  });
}
