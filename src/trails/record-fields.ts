/**
 * The record fields event selectors look at, read the way CloudTrail compares them. Records come
 * from ingestion (validated, but attacker-supplied), so every accessor checks types and treats a
 * field of the wrong type as absent.
 * Facts from the CloudTrail User Guide ("CloudTrail record contents") and the advanced event
 * selector reference (API_AdvancedFieldSelector).
 */
import type { CloudTrailRecord } from '../events/record.ts';

/** A record without eventCategory is a management event (eventVersion < 1.07 had no such field). */
export function categoryOf(record: CloudTrailRecord): string {
  const category: unknown = record.eventCategory;
  return typeof category === 'string' ? category : 'Management';
}

/** Selectors compare readOnly as the strings "true" and "false"; the record holds a boolean. */
export function readOnlyOf(record: CloudTrailRecord): 'true' | 'false' | undefined {
  const readOnly: unknown = record.readOnly;
  if (typeof readOnly !== 'boolean') return undefined;
  return readOnly ? 'true' : 'false';
}

/** A top-level string field, or undefined when absent or not a string. */
export function stringFieldOf(record: CloudTrailRecord, field: string): string | undefined {
  const value = record[field];
  return typeof value === 'string' ? value : undefined;
}

export function userArnOf(record: CloudTrailRecord): string | undefined {
  const arn: unknown = record.userIdentity?.arn;
  return typeof arn === 'string' ? arn : undefined;
}

interface Resource {
  type: string | undefined;
  arn: string | undefined;
}

function resourcesOf(record: CloudTrailRecord): Resource[] {
  const resources: unknown = record.resources;
  if (!Array.isArray(resources)) return [];
  const out: Resource[] = [];
  for (const item of resources as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { type, ARN } = item as Record<string, unknown>;
    out.push({
      type: typeof type === 'string' ? type : undefined,
      arn: typeof ARN === 'string' ? ARN : undefined,
    });
  }
  return out;
}

export const S3_OBJECT = 'AWS::S3::Object';
const S3_BUCKET = 'AWS::S3::Bucket';

/**
 * S3 data events on a bucket (ListObjects and the like) carry only an AWS::S3::Bucket resource,
 * yet CloudTrail logs them under the AWS::S3::Object data resource type. We treat such an event as
 * touching the object ARN `<bucket ARN>/`, so a selector for a whole bucket (`arn:aws:s3:::b/`)
 * selects it and a selector for a key prefix does not. This is an inference (see the notes).
 */
function s3BucketLevelObjectArns(record: CloudTrailRecord, resources: Resource[]): string[] {
  if (categoryOf(record) !== 'Data' || record.eventSource !== 's3.amazonaws.com') return [];
  if (resources.some((r) => r.type === S3_OBJECT)) return [];
  return resources.filter((r) => r.type === S3_BUCKET && r.arn !== undefined).map((r) => `${r.arn}/`);
}

/** The resource types of the record, including AWS::S3::Object for bucket-level S3 data events. */
export function resourceTypesOf(record: CloudTrailRecord): string[] {
  const resources = resourcesOf(record);
  const types = resources.flatMap((r) => (r.type === undefined ? [] : [r.type]));
  if (s3BucketLevelObjectArns(record, resources).length > 0) types.push(S3_OBJECT);
  return types;
}

/** ARNs of the record's resources of one type, or of all its resources when no type is given. */
export function resourceArnsOf(record: CloudTrailRecord, type?: string): string[] {
  const resources = resourcesOf(record);
  const arns = resources.flatMap((r) =>
    r.arn !== undefined && (type === undefined || r.type === type) ? [r.arn] : [],
  );
  if (type === S3_OBJECT && arns.length === 0) return s3BucketLevelObjectArns(record, resources);
  return arns;
}
