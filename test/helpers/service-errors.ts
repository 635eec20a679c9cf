import assert from 'node:assert/strict';
import { ServiceError } from '../errors.ts';

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
