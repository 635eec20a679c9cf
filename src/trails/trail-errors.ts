/**
 * The errors the trail registry throws whose AWS wording is known, and the per-Region quota one of
 * them reports. Texts are quoted from real AWS answers.
 */
import { ServiceError } from '../errors.ts';

/** CloudTrail User Guide, quotas: five trails per Region; a multi-Region trail counts in every Region. */
export const MAX_TRAILS_PER_REGION = 5;

/** Quoted from real answers, e.g. "Unknown trail: arn:aws:cloudtrail:us-east-1:111122223333:trail/myTrail2 for the user: 111122223333". */
export function trailNotFound(arn: string, accountId: string): ServiceError {
  return new ServiceError('TrailNotFoundException', `Unknown trail: ${arn} for the user: ${accountId}`);
}

/** Quoted from a real answer: "Trail cloudtrail already exists for customer: 313564602749". */
export function trailAlreadyExists(name: string, accountId: string): ServiceError {
  return new ServiceError(
    'TrailAlreadyExistsException',
    `Trail ${name} already exists for customer: ${accountId}`,
  );
}

/** Quoted from a real answer: "User: <account> already has 5 trails in us-west-2." */
export function maximumTrailsExceeded(accountId: string, region: string): ServiceError {
  return new ServiceError(
    'MaximumNumberOfTrailsExceededException',
    `User: ${accountId} already has ${MAX_TRAILS_PER_REGION} trails in ${region}.`,
  );
}
