/**
 * IAM's errors as its service model declares them (iam 2010-05-08): each error shape has the code
 * the query protocol writes (`NoSuchEntity`) and an HTTP status (404). A ServiceError carries the
 * shape name (`NoSuchEntityException`), which is what CloudTrail records as an IAM call's
 * errorCode; the IAM endpoint writes the wire code. iam-errors.test.ts pins this table to the model.
 */
import { ServiceError, type ErrorCode } from '../errors.ts';

type IamShape = Extract<
  ErrorCode,
  | 'ConcurrentModificationException'
  | 'DeleteConflictException'
  | 'EntityAlreadyExistsException'
  | 'EntityTemporarilyUnmodifiableException'
  | 'InvalidInputException'
  | 'LimitExceededException'
  | 'MalformedPolicyDocumentException'
  | 'NoSuchEntityException'
  | 'PolicyNotAttachableException'
  | 'ServiceFailureException'
  | 'UnmodifiableEntityException'
  | 'InvalidAuthenticationCodeException'
  | 'PolicyEvaluationException'
>;

/** Wire code and HTTP status of the IAM error shapes OpenTrail raises. */
export const IAM_ERRORS: Record<IamShape, { code: string; httpStatus: number }> = {
  ConcurrentModificationException: { code: 'ConcurrentModification', httpStatus: 409 },
  DeleteConflictException: { code: 'DeleteConflict', httpStatus: 409 },
  EntityAlreadyExistsException: { code: 'EntityAlreadyExists', httpStatus: 409 },
  EntityTemporarilyUnmodifiableException: { code: 'EntityTemporarilyUnmodifiable', httpStatus: 409 },
  InvalidAuthenticationCodeException: { code: 'InvalidAuthenticationCode', httpStatus: 403 },
  InvalidInputException: { code: 'InvalidInput', httpStatus: 400 },
  LimitExceededException: { code: 'LimitExceeded', httpStatus: 409 },
  MalformedPolicyDocumentException: { code: 'MalformedPolicyDocument', httpStatus: 400 },
  NoSuchEntityException: { code: 'NoSuchEntity', httpStatus: 404 },
  PolicyEvaluationException: { code: 'PolicyEvaluation', httpStatus: 500 },
  PolicyNotAttachableException: { code: 'PolicyNotAttachable', httpStatus: 400 },
  ServiceFailureException: { code: 'ServiceFailure', httpStatus: 500 },
  UnmodifiableEntityException: { code: 'UnmodifiableEntity', httpStatus: 400 },
};

/** The wire code of an IAM error shape, for the endpoint (undefined for a code of no IAM shape). */
export function iamWireCode(code: string): string | undefined {
  return (IAM_ERRORS as Partial<Record<string, { code: string }>>)[code]?.code;
}

/** An IAM error with the model's HTTP status (5xx shapes are the server's fault). */
export function iamError(code: IamShape, message: string): ServiceError {
  const { httpStatus } = IAM_ERRORS[code];
  return new ServiceError(code, message, { httpStatus, fault: httpStatus >= 500 ? 'server' : 'client' });
}

export function noSuchEntity(message: string): ServiceError {
  return iamError('NoSuchEntityException', message);
}
