/**
 * The one error that crosses the wire. `code` is the AWS exception name (it becomes `__type`);
 * `fault` says whose mistake it was (client → HTTP 400, server → HTTP 500).
 */
import type { ErrorCode } from './error-codes.ts';

export type Fault = 'client' | 'server';
export type { ErrorCode } from './error-codes.ts';

export class ServiceError extends Error {
  readonly code: ErrorCode;
  readonly fault: Fault;
  readonly httpStatus: number;

  constructor(
    code: ErrorCode,
    message: string,
    options: { fault?: Fault; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'ServiceError';
    this.code = code;
    this.fault = options.fault ?? 'client';
    this.httpStatus = options.httpStatus ?? (this.fault === 'client' ? 400 : 500);
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof ServiceError;
}
