/**
 * The one error of the Lake SQL dialect. `code` is the AWS exception name StartQuery answers with,
 * so the API layer can pass it through unchanged:
 * - `InvalidQueryStatementException`: "The query that was submitted has validation errors, or uses
 *   incorrect syntax or unsupported keywords" (StartQuery errors, CloudTrail API reference).
 * - `EventDataStoreNotFoundException`: "The specified event data store was not found" — also in
 *   StartQuery's error list; given when FROM names something shaped like a store ID or ARN that
 *   the caller cannot see.
 */
export type LakeQueryErrorCode = 'InvalidQueryStatementException' | 'EventDataStoreNotFoundException';

export class LakeQueryError extends Error {
  override readonly name = 'LakeQueryError';
  constructor(
    readonly code: LakeQueryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function invalidQuery(message: string): LakeQueryError {
  return new LakeQueryError('InvalidQueryStatementException', message);
}
