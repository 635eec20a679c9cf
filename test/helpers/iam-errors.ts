/** How an IAM call through the AWS SDK v3 fails, as the tests compare it with AWS's. */
import assert from 'node:assert/strict';
import { IAMServiceException } from '@aws-sdk/client-iam';

/** The error an IAM call fails with: its code (the XML error's Code), HTTP status and message. */
export async function iamFailure(
  promise: Promise<unknown>,
): Promise<{ code: string; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof IAMServiceException, String(error));
    const code = (error as IAMServiceException & { Code?: string }).Code ?? error.name;
    return { code, status: error.$metadata.httpStatusCode ?? 0, message: error.message };
  }
  assert.fail('the call succeeded');
}
