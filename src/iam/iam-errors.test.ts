import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { IAM_ERRORS, iamError, iamWireCode } from './iam-errors.ts';

/** The iam 2010-05-08 model's error shapes: wire code and HTTP status (test/fixtures/botocore). */
const MODEL = (
  JSON.parse(
    readFileSync(new URL('../../test/fixtures/botocore/service-model-errors.json', import.meta.url), 'utf8'),
  ) as { iam: { errorCodes: Record<string, { code: string; httpStatusCode: number }> } }
).iam;

describe('IAM errors', () => {
  it('each shape answers the wire code and HTTP status its model error member declares', () => {
    for (const [shape, { code, httpStatus }] of Object.entries(IAM_ERRORS)) {
      assert.deepEqual({ code, httpStatusCode: httpStatus }, MODEL.errorCodes[shape], shape);
    }
  });

  it('iamError() carries the shape name (what CloudTrail records) and the model status', () => {
    const error = iamError('NoSuchEntityException', 'The user with name x cannot be found.');
    assert.equal(error.code, 'NoSuchEntityException');
    assert.equal(error.httpStatus, 404);
    assert.equal(error.fault, 'client');
    assert.equal(iamWireCode(error.code), 'NoSuchEntity');
    assert.equal(iamError('ServiceFailureException', 'x').fault, 'server');
    assert.equal(iamWireCode('ValidationError'), undefined);
  });
});
