import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { ServiceError } from '../errors.ts';
import { IAM_MODEL } from './iam/iam-model.ts';
import {
  formatIsoSeconds,
  parseQueryParams,
  queryErrorCode,
  readQueryInput,
  writeQueryError,
  writeQueryResponse,
} from './query-protocol.ts';

/** The form body botocore's query serializer sends (member names, .member.N lists). */
function form(params: Record<string, string>): URLSearchParams {
  return parseQueryParams(Buffer.from(new URLSearchParams(params).toString()));
}

function validationMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ServiceError);
    assert.equal(error.code, 'ValidationError');
    return error.message;
  }
  return 'no error';
}

describe('readQueryInput()', () => {
  it('reads structures, lists of structures and lists of strings by the model', () => {
    const input = readQueryInput(
      IAM_MODEL,
      'CreateUser',
      form({
        Action: 'CreateUser',
        Version: '2010-05-08',
        UserName: 'bob',
        Path: '/a/',
        'Tags.member.1.Key': 'k1',
        'Tags.member.1.Value': 'v1',
        'Tags.member.2.Key': 'k2',
        'Tags.member.2.Value': '',
      }),
    );
    assert.deepEqual(input, {
      Path: '/a/',
      UserName: 'bob',
      Tags: [
        { Key: 'k1', Value: 'v1' },
        { Key: 'k2', Value: '' },
      ],
    });
    const untag = readQueryInput(
      IAM_MODEL,
      'UntagUser',
      form({ UserName: 'bob', 'TagKeys.member.1': 'a', 'TagKeys.member.2': 'b' }),
    );
    assert.deepEqual(untag.TagKeys, ['a', 'b']);
  });

  it('reads `Name=` as an empty list, numbers and booleans by their shapes', () => {
    const details = readQueryInput(
      IAM_MODEL,
      'GetAccountAuthorizationDetails',
      form({ Filter: '', MaxItems: '5' }),
    );
    assert.deepEqual(details, { Filter: [], MaxItems: 5 });
    const version = readQueryInput(
      IAM_MODEL,
      'CreatePolicyVersion',
      form({ PolicyArn: 'arn:aws:iam::123456789012:policy/p', PolicyDocument: '{}', SetAsDefault: 'true' }),
    );
    assert.equal(version.SetAsDefault, true);
  });

  it('answers every violation in one ValidationError, as AWS words them', () => {
    assert.equal(
      validationMessage(() => readQueryInput(IAM_MODEL, 'CreateUser', form({}))),
      "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null",
    );
    assert.equal(
      validationMessage(() =>
        readQueryInput(IAM_MODEL, 'ListUsers', form({ MaxItems: '0', PathPrefix: 'no-slash' })),
      ),
      "2 validation errors detected: Value 'no-slash' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*; Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    assert.match(
      validationMessage(() => readQueryInput(IAM_MODEL, 'CreateUser', form({ UserName: 'x'.repeat(65) }))),
      /at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64$/,
    );
    assert.match(
      validationMessage(() =>
        readQueryInput(
          IAM_MODEL,
          'UpdateAccessKey',
          form({ AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA', Status: 'On' }),
        ),
      ),
      /Value 'On' at 'status' failed to satisfy constraint: Member must satisfy enum value set: \[Active, Inactive, Expired\]/,
    );
    assert.match(
      validationMessage(() => readQueryInput(IAM_MODEL, 'ListUsers', form({ MaxItems: 'ten' }))),
      /Value 'ten' at 'maxItems' failed to satisfy constraint: Member must be a number/,
    );
  });

  it('reads a list index only while it is present (a body cannot make it loop)', () => {
    const input = readQueryInput(
      IAM_MODEL,
      'UntagUser',
      form({ UserName: 'bob', 'TagKeys.member.1': 'a', 'TagKeys.member.3': 'c' }),
    );
    assert.deepEqual(input.TagKeys, ['a']);
  });
});

describe('writeQueryResponse()', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' });

  it('writes {Action}Response / {Action}Result with members, lists as <member> and ISO 8601 dates', () => {
    const xml = writeQueryResponse(
      IAM_MODEL,
      'ListUsers',
      {
        Users: [
          {
            Path: '/',
            UserName: 'a&b',
            UserId: 'AIDA1',
            Arn: 'arn:x',
            CreateDate: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)),
          },
        ],
        IsTruncated: false,
      },
      'req-1',
    );
    assert.deepEqual(parser.parse(xml), {
      ListUsersResponse: {
        '@_xmlns': 'https://iam.amazonaws.com/doc/2010-05-08/',
        ListUsersResult: {
          Users: {
            member: {
              Path: '/',
              UserName: 'a&b',
              UserId: 'AIDA1',
              Arn: 'arn:x',
              CreateDate: '2024-01-02T03:04:05Z',
            },
          },
          IsTruncated: false,
        },
        ResponseMetadata: { RequestId: 'req-1' },
      },
    });
    assert.match(xml, /<UserName>a&amp;b<\/UserName>/);
  });

  it('writes an empty list as an empty element and an operation without output without a Result', () => {
    const xml = writeQueryResponse(IAM_MODEL, 'ListGroups', { Groups: [], IsTruncated: false }, 'r');
    assert.match(xml, /<Groups><\/Groups>/);
    const deleted = writeQueryResponse(IAM_MODEL, 'DeleteUser', undefined, 'r2');
    assert.equal(
      deleted,
      '<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DeleteUserResponse>',
    );
  });
});

describe('query errors', () => {
  it('writes ErrorResponse with Type, Code, Message and RequestId', () => {
    const error = new ServiceError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
    assert.equal(
      writeQueryError(
        'https://iam.amazonaws.com/doc/2010-05-08/',
        queryErrorCode(error, undefined),
        error,
        'r3',
      ),
      '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>r3</RequestId></ErrorResponse>',
    );
    assert.equal(
      queryErrorCode(new ServiceError('InvalidSignatureException', 'x'), undefined),
      'SignatureDoesNotMatch',
    );
    assert.equal(
      queryErrorCode(new ServiceError('NoSuchEntityException', 'x'), 'NoSuchEntity'),
      'NoSuchEntity',
    );
    assert.equal(formatIsoSeconds(Date.UTC(2012, 8, 5, 19, 38, 48, 999)), '2012-09-05T19:38:48Z');
  });
});
