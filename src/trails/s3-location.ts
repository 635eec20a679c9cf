/**
 * Where a trail delivers: S3BucketName and S3KeyPrefix of CreateTrail and UpdateTrail. Both arrive
 * in the request body, so they are attacker-controlled; lengths are checked before patterns run.
 *
 * Sources: the botocore model cloudtrail/2013-11-01 (S3KeyPrefix doc) and the CloudTrail User
 * Guide ("Amazon S3 bucket naming requirements").
 */
// object-store.ts is the pure half of objects/: importing it, not objects/index.ts, keeps the
// S3 SDK and the file system out of this module (STYLE.md habit 2).
import { bucketNameProblem } from '../objects/object-store.ts';
import { ServiceError } from '../errors.ts';

/** Model doc of S3KeyPrefix: "The maximum length is 200 characters." */
const MAX_S3_PREFIX_CHARS = 200;

/**
 * S3KeyPrefix: at most 200 characters (model doc). Empty is accepted: UpdateTrail clears the
 * prefix with "", and CreateTrail treats it as no prefix.
 */
export function validateS3KeyPrefix(prefix: string): void {
  const chars = [...prefix].length;
  if (chars > MAX_S3_PREFIX_CHARS) {
    throw new ServiceError(
      'InvalidS3PrefixException',
      `S3 prefix is longer than maximum length: ${chars} characters given, at most ${MAX_S3_PREFIX_CHARS} allowed.`,
    );
  }
  // A NUL cannot be part of an object key in any store we write to.
  if (prefix.includes('\0')) {
    throw new ServiceError('InvalidS3PrefixException', 'S3 prefix must not contain a NUL character.');
  }
  if (prefix === '') return;
  // Log files go under `<prefix>/AWSLogs/...`: an empty path segment would give keys with '//',
  // which the embedded bucket store (a directory tree) cannot hold.
  if (prefix.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ServiceError(
      'InvalidS3PrefixException',
      `S3 prefix '${prefix}' must not start or end with '/', hold '//', or have '.' or '..' segments.`,
    );
  }
}

/**
 * S3 bucket naming rules (bucketNameProblem), plus the one CloudTrail's own "Amazon S3 bucket
 * naming requirements" adds: no dash next to a period, so every label begins and ends with a
 * letter or digit.
 */
export function validateS3BucketName(name: string): void {
  const problem =
    bucketNameProblem(name) ?? (/\.-|-\./.test(name) ? 'must not have a dash next to a period' : undefined);
  if (problem !== undefined) {
    throw new ServiceError(
      'InvalidS3BucketNameException',
      `Bucket name ${JSON.stringify(name)} is not valid: it ${problem}.`,
    );
  }
}
