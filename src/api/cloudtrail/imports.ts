/**
 * CloudTrail Lake imports: StartImport (new, or a retry by ImportId), GetImport, ListImports,
 * StopImport and ListImportFailures.
 */
import { ServiceError } from '../../errors.ts';
import { inactiveEventDataStore } from '../../query/event-data-store.ts';
import type { ImportRecord } from '../../query/lake-store.ts';
import {
  expectArray,
  expectObject,
  optionalInteger,
  optionalString,
  optionalTimestamp,
  requireString,
} from '../../input.ts';
import type { OperationContext } from './operation.ts';

type Output = Promise<Record<string, unknown>>;

const IMPORT_STATUSES = ['INITIALIZING', 'IN_PROGRESS', 'FAILED', 'STOPPED', 'COMPLETED'];
const IMPORT_ID = /^[a-f0-9-]{36}$/;

function callerOf(ctx: OperationContext): { accountId: string; region: string } {
  return { accountId: ctx.caller.principal.accountId, region: ctx.caller.region };
}

function importIdOf(value: unknown): string {
  const id = requireString(value, 'ImportId', 'InvalidParameterException');
  if (!IMPORT_ID.test(id))
    throw new ServiceError(
      'InvalidParameterException',
      `ImportId ${id.slice(0, 64)} is not a valid import ID.`,
    );
  return id;
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

function toApiImport(record: ImportRecord, withStatistics: boolean): Record<string, unknown> {
  return {
    ImportId: record.id,
    Destinations: record.destinations,
    ImportSource: {
      S3: {
        S3LocationUri: record.source.uri,
        S3BucketRegion: record.source.bucketRegion,
        S3BucketAccessRoleArn: record.source.accessRoleArn,
      },
    },
    ...(record.startEventTimeMs !== undefined ? { StartEventTime: seconds(record.startEventTimeMs) } : {}),
    ...(record.endEventTimeMs !== undefined ? { EndEventTime: seconds(record.endEventTimeMs) } : {}),
    ImportStatus: record.status,
    CreatedTimestamp: record.createdMs / 1000,
    UpdatedTimestamp: record.updatedMs / 1000,
    ...(withStatistics
      ? {
          ImportStatistics: {
            PrefixesFound: record.statistics.prefixesFound,
            PrefixesCompleted: record.statistics.prefixesCompleted,
            FilesCompleted: record.statistics.filesCompleted,
            EventsCompleted: record.statistics.eventsCompleted,
            FailedEntries: record.statistics.failedEntries,
          },
        }
      : {}),
  };
}

export async function startImport(input: Record<string, unknown>, ctx: OperationContext): Output {
  const caller = callerOf(ctx);
  if (input.ImportId !== undefined && input.ImportId !== null) {
    return toApiImport(await ctx.lake.imports.retry(caller, importIdOf(input.ImportId)), false);
  }
  if (input.Destinations === undefined || input.ImportSource === undefined) {
    throw new ServiceError(
      'InvalidParameterException',
      'A new import needs Destinations and ImportSource; a retry needs ImportId.',
    );
  }
  const destinations = expectArray(input.Destinations, 'Destinations').map((d, i) =>
    requireString(d, `Destinations[${i}]`),
  );
  if (destinations.length !== 1) {
    throw new ServiceError(
      'InvalidParameterException',
      'Destinations takes exactly one event data store ARN.',
    );
  }
  const store = ctx.lake.registry.find(destinations[0] ?? '', caller);
  if (store.deletedMs !== undefined) throw inactiveEventDataStore(store);
  if (store.kind !== 'cloudtrail') {
    throw new ServiceError(
      'InvalidEventDataStoreCategoryException',
      `Event data store ${store.arn} holds events from outside AWS; trail events can only be imported into a store of CloudTrail events.`,
    );
  }
  const source = expectObject(input.ImportSource, 'ImportSource');
  const s3 = expectObject(source.S3, 'ImportSource.S3');
  const uri = requireString(s3.S3LocationUri, 'ImportSource.S3.S3LocationUri', 'InvalidParameterException');
  const bucketRegion = requireString(
    s3.S3BucketRegion,
    'ImportSource.S3.S3BucketRegion',
    'InvalidParameterException',
  );
  const accessRoleArn = requireString(
    s3.S3BucketAccessRoleArn,
    'ImportSource.S3.S3BucketAccessRoleArn',
    'InvalidParameterException',
  );
  const startMs = optionalTimestamp(input.StartEventTime, 'StartEventTime');
  const endMs = optionalTimestamp(input.EndEventTime, 'EndEventTime');
  if (startMs !== undefined && endMs !== undefined && startMs > endMs) {
    throw new ServiceError('InvalidParameterException', 'StartEventTime must be before EndEventTime.');
  }
  const record = await ctx.lake.imports.start(caller, {
    destination: store,
    source: { uri, bucketRegion, accessRoleArn },
    ...(startMs !== undefined ? { startMs } : {}),
    ...(endMs !== undefined ? { endMs } : {}),
  });
  return toApiImport(record, false);
}

export function getImport(input: Record<string, unknown>, ctx: OperationContext): Output {
  return Promise.resolve(toApiImport(ctx.lake.imports.get(callerOf(ctx), importIdOf(input.ImportId)), true));
}

export async function stopImport(input: Record<string, unknown>, ctx: OperationContext): Output {
  return toApiImport(await ctx.lake.imports.stop(callerOf(ctx), importIdOf(input.ImportId)), true);
}

function pageSize(value: unknown): number {
  const max = optionalInteger(value, 'MaxResults');
  if (max !== undefined && (max < 1 || max > 1000)) {
    throw new ServiceError(
      'InvalidParameterException',
      `MaxResults ${max} is invalid; it must be between 1 and 1000.`,
    );
  }
  return max ?? 1000;
}

export function listImports(input: Record<string, unknown>, ctx: OperationContext): Output {
  const caller = callerOf(ctx);
  const max = pageSize(input.MaxResults);
  const destination = optionalString(input.Destination, 'Destination');
  const arn = destination === undefined ? undefined : ctx.lake.registry.find(destination, caller).arn;
  const status = optionalString(input.ImportStatus, 'ImportStatus');
  if (status !== undefined && !IMPORT_STATUSES.includes(status)) {
    throw new ServiceError(
      'InvalidParameterException',
      `ImportStatus ${status} is invalid; valid values are ${IMPORT_STATUSES.join(', ')}.`,
    );
  }
  const scope = `ListImports:${caller.accountId}:${caller.region}:${arn ?? ''}:${status ?? ''}`;
  const token = optionalString(input.NextToken, 'NextToken');
  const after = token === undefined ? undefined : ctx.tokens.decodeKey(token, scope);
  const all = ctx.lake.imports
    .list(caller)
    .filter(
      (r) =>
        (arn === undefined || r.destinations.includes(arn)) && (status === undefined || r.status === status),
    );
  const start = after === undefined ? 0 : all.findIndex((r) => r.id === after) + 1;
  const page = all.slice(start, start + max);
  const last = page[page.length - 1];
  return Promise.resolve({
    Imports: page.map((r) => ({
      ImportId: r.id,
      ImportStatus: r.status,
      Destinations: r.destinations,
      CreatedTimestamp: r.createdMs / 1000,
      UpdatedTimestamp: r.updatedMs / 1000,
    })),
    ...(last && start + page.length < all.length ? { NextToken: ctx.tokens.encodeKey(last.id, scope) } : {}),
  });
}

export async function listImportFailures(input: Record<string, unknown>, ctx: OperationContext): Output {
  const caller = callerOf(ctx);
  const id = importIdOf(input.ImportId);
  ctx.lake.imports.get(caller, id);
  const max = pageSize(input.MaxResults);
  const scope = `ListImportFailures:${id}`;
  const token = optionalString(input.NextToken, 'NextToken');
  const start = token === undefined ? 0 : Number(ctx.tokens.decodeKey(token, scope));
  const { entries, total } = await ctx.lake.imports.failures(caller, id, start, max);
  const next = start + entries.length;
  return {
    Failures: entries.map((f) => ({
      Location: f.location,
      Status: 'FAILED',
      ErrorType: f.errorType,
      ErrorMessage: f.errorMessage,
      LastUpdatedTime: f.timeMs / 1000,
    })),
    ...(next < total ? { NextToken: ctx.tokens.encodeKey(String(next), scope) } : {}),
  };
}
