import assert from 'node:assert/strict';
import { ServiceError } from '../../src/errors.ts';

/**
 * Asserts `fn` throws a client-fault ServiceError with `code` (and, when given, a message equal to
 * `message` or matching it).
 */
export function assertServiceError(fn: () => unknown, code: string, message?: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.fault, 'client');
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

/** Asserts `promise` rejects with a ServiceError with `code` (and message, when given). */
export async function assertRejectsServiceError(
  promise: Promise<unknown>,
  code: string,
  message?: string | RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}
