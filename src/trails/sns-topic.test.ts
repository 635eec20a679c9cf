import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { snsTopicArn, validateSnsTopicName } from './sns-topic.ts';

const ACCOUNT = '123456789012';

describe('validateSnsTopicName()', () => {
  it('accepts topic names and topic ARNs', () => {
    for (const value of [
      'MyTopic',
      'my_topic-1',
      'a'.repeat(256),
      `arn:aws:sns:us-east-2:${ACCOUNT}:MyTopic`,
    ]) {
      assert.doesNotThrow(() => validateSnsTopicName(value), value);
    }
  });

  it('refuses names that are empty, too long or hold other characters', () => {
    assertServiceError(() => validateSnsTopicName(''), 'InvalidSnsTopicNameException', /1 to 256 characters/);
    assertServiceError(
      () => validateSnsTopicName('a'.repeat(257)),
      'InvalidSnsTopicNameException',
      /1 to 256 characters/,
    );
    assertServiceError(
      () => validateSnsTopicName('my.topic'),
      'InvalidSnsTopicNameException',
      /ASCII letters, digits/,
    );
    assertServiceError(
      () => validateSnsTopicName('topic.fifo'),
      'InvalidSnsTopicNameException',
      /ASCII letters, digits/,
    );
  });

  it('refuses ARNs of another shape or service', () => {
    for (const value of [
      'arn:aws:sns:us-east-2',
      `arn:aws:sqs:us-east-2:${ACCOUNT}:MyTopic`,
      `arn:aws:sns:nowhere:${ACCOUNT}:MyTopic`,
      'arn:aws:sns:us-east-2:12:MyTopic',
    ]) {
      assertServiceError(
        () => validateSnsTopicName(value),
        'InvalidSnsTopicNameException',
        /is not a topic ARN/,
      );
    }
  });

  it('refuses a topic ARN whose topic name is not valid', () => {
    assertServiceError(
      () => validateSnsTopicName(`arn:aws:sns:us-east-2:${ACCOUNT}:bad:name`),
      'InvalidSnsTopicNameException',
      /has a topic name that may hold only/,
    );
  });
});

describe('snsTopicArn()', () => {
  it('places a topic name in the given region and account', () => {
    assert.equal(snsTopicArn('MyTopic', 'us-east-2', ACCOUNT), `arn:aws:sns:us-east-2:${ACCOUNT}:MyTopic`);
    assert.equal(snsTopicArn('t', 'cn-north-1', ACCOUNT), `arn:aws-cn:sns:cn-north-1:${ACCOUNT}:t`);
  });

  it('returns a topic ARN unchanged', () => {
    const arn = `arn:aws:sns:eu-west-1:${ACCOUNT}:Other`;
    assert.equal(snsTopicArn(arn, 'us-east-2', '999999999999'), arn);
  });
});
