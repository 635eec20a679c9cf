import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_TRAILS_PER_REGION,
  maximumTrailsExceeded,
  trailAlreadyExists,
  trailNotFound,
} from './trail-errors.ts';

const ACCOUNT = '123456789012';

describe('constants', () => {
  it('match the documented CloudTrail quotas', () => {
    assert.equal(MAX_TRAILS_PER_REGION, 5);
  });
});

describe('error builders', () => {
  it('trailNotFound() words the error as AWS does', () => {
    const error = trailNotFound(`arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/myTrail2`, ACCOUNT);
    assert.equal(error.code, 'TrailNotFoundException');
    assert.equal(
      error.message,
      `Unknown trail: arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/myTrail2 for the user: ${ACCOUNT}`,
    );
  });

  it('trailAlreadyExists() words the error as AWS does', () => {
    const error = trailAlreadyExists('cloudtrail', ACCOUNT);
    assert.equal(error.code, 'TrailAlreadyExistsException');
    assert.equal(error.message, `Trail cloudtrail already exists for customer: ${ACCOUNT}`);
  });

  it('maximumTrailsExceeded() words the error as AWS does', () => {
    const error = maximumTrailsExceeded(ACCOUNT, 'us-west-2');
    assert.equal(error.code, 'MaximumNumberOfTrailsExceededException');
    assert.equal(error.message, `User: ${ACCOUNT} already has 5 trails in us-west-2.`);
  });
});
