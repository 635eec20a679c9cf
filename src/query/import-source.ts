/**
 * What StartImport reads from (caller input): the log files under a bucket prefix, named
 * `s3://bucket/prefix`, or OpenTrail's own Event history. Pure.
 */
import { ServiceError } from '../errors.ts';

/** The import source that copies Event history (the event log) instead of a bucket's log files. */
export const HISTORY_SOURCE_URI = 'opentrail://event-history';

/** `s3://bucket/prefix` split; InvalidImportSourceException when it is not one. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) {
    throw new ServiceError(
      'InvalidImportSourceException',
      `S3LocationUri ${uri.slice(0, 300)} is invalid; expected s3://bucket-name/optional-prefix.`,
    );
  }
  return { bucket: match[1] ?? '', prefix: match[2] ?? '' };
}
