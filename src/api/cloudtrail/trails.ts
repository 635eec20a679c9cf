/**
 * The trail configuration API (CloudTrail API reference: CreateTrail, UpdateTrail, DeleteTrail,
 * GetTrail, DescribeTrails, ListTrails, GetTrailStatus, StartLogging, StopLogging,
 * PutEventSelectors, GetEventSelectors). Trails belong to the caller's account; the region of a
 * call decides which trails it sees (home-region trails and shadows of multi-region trails).
 */
import { ServiceError } from '../../errors.ts';
import { ObjectStoreError } from '../../objects/index.ts';
import {
  defaultSelection,
  delegatingOrganization,
  deliveryConsumer,
  kmsKeyArn,
  onlyManagementConverts,
  parseSelectionInput,
  parseTrailRef,
  snsTopicArn,
  trailArn,
  validateCloudWatchLogs,
  validateKmsKeyId,
  validateS3BucketName,
  validateS3KeyPrefix,
  validateSnsTopicName,
  validateTrailName,
  validateMultiRegionGlobalEvents,
  toApiTrail,
  toApiTrailConfiguration,
  type Trail,
  type TrailSelection,
} from '../../trails/index.ts';
import { mergeTags, parseTagsList } from '../../events/index.ts';
import { expectArray, optionalBoolean, optionalString, requireString } from '../../input.ts';
import type { OperationContext } from './operation.ts';

function scopeOf(ctx: OperationContext): { accountId: string; region: string } {
  return { accountId: ctx.caller.principal.accountId, region: ctx.caller.region };
}

/** Epoch seconds, the JSON protocol's timestamp format. */
function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** GetTrailStatus's string times: ISO 8601 to the second, or empty when it never happened. */
function isoOrEmpty(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** CreateTrail/UpdateTrail fail as AWS does when the bucket is missing or refuses writes. */
async function checkBucket(ctx: OperationContext, bucket: string): Promise<void> {
  try {
    await ctx.bucket(bucket).checkWritable();
  } catch (error) {
    if (error instanceof ObjectStoreError && error.code === 'NoSuchBucket') {
      throw new ServiceError('S3BucketDoesNotExistException', `S3 bucket ${bucket} does not exist.`);
    }
    if (error instanceof ObjectStoreError) {
      throw new ServiceError(
        'InsufficientS3BucketPolicyException',
        `Incorrect S3 bucket policy is detected for bucket: ${bucket} (${error.message})`,
      );
    }
    throw error;
  }
}

function checkSnsTopic(ctx: OperationContext, topic: string): void {
  validateSnsTopicName(topic);
  if (!ctx.notifier.hasTopic(topic)) {
    throw new ServiceError(
      'InsufficientSnsTopicPolicyException',
      `SNS Topic does not exist or the topic policy is incorrect: ${topic} (configure it with --sns-topic NAME=URL)`,
    );
  }
}

function checkUnsupportedDestinations(kmsKeyId: string | undefined, logGroupArn: string | undefined): void {
  // Accepted by AWS, not built here yet: answer honestly instead of silently ignoring them.
  if (kmsKeyId !== undefined && kmsKeyId !== '') {
    validateKmsKeyId(kmsKeyId);
    throw new ServiceError(
      'UnsupportedOperationException',
      'SSE-KMS encryption of log files (KmsKeyId) is not supported by this OpenTrail yet.',
    );
  }
  if (logGroupArn !== undefined && logGroupArn !== '') {
    throw new ServiceError(
      'CloudWatchLogsDeliveryUnavailableException',
      'Delivery to CloudWatch Logs is not available in OpenTrail; use its rules engine instead.',
    );
  }
}

/** The caller's organization, when the caller is its management account (organization trails and stores). */
export function checkOrganization(ctx: OperationContext, what = 'trails'): string {
  const accountId = ctx.caller.principal.accountId;
  const org = ctx.organizations.organizationOf(accountId);
  if (!org) {
    throw new ServiceError(
      'OrganizationsNotInUseException',
      'This account is not a member of an organization. Create an organization with `opentrail orgs create` first.',
    );
  }
  if (org.managementAccountId !== accountId) {
    throw new ServiceError(
      'NotOrganizationMasterAccountException',
      `You cannot configure or manage ${what} for an organization because this action requires being signed in with the management account.`,
    );
  }
  return org.id;
}

/**
 * Where an organization trail or event data store the caller creates belongs: the management
 * account of the caller's organization, whether that account calls or CloudTrail's delegated
 * administrator does ("The management account remains the owner of any CloudTrail organization
 * resources the delegated administrator creates"). Any other caller is refused as checkOrganization
 * refuses it.
 */
export function organizationOwner(
  ctx: OperationContext,
  what = 'trails',
): { organizationId: string; accountId: string } {
  const delegating = delegatingOrganization(ctx.organizations, ctx.caller.principal.accountId);
  if (delegating) return { organizationId: delegating.id, accountId: delegating.managementAccountId };
  return { organizationId: checkOrganization(ctx, what), accountId: ctx.caller.principal.accountId };
}

export async function createTrail(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const name = requireString(input.Name, 'Name');
  const bucket = requireString(input.S3BucketName, 'S3BucketName');
  const prefix = optionalString(input.S3KeyPrefix, 'S3KeyPrefix');
  const topic = optionalString(input.SnsTopicName, 'SnsTopicName');
  // OpenTrail's secure defaults (DESIGN.md): all regions, global service events and log file
  // validation unless the caller turns them off.
  const includeGlobal =
    optionalBoolean(input.IncludeGlobalServiceEvents, 'IncludeGlobalServiceEvents') ?? true;
  // A caller who turns global service events off without choosing the trail's reach asks for what
  // AWS's default gives (a single-region trail), not for an invalid multi-region one.
  const multiRegion = optionalBoolean(input.IsMultiRegionTrail, 'IsMultiRegionTrail') ?? includeGlobal;
  const validation = optionalBoolean(input.EnableLogFileValidation, 'EnableLogFileValidation') ?? true;
  const logGroupArn = optionalString(input.CloudWatchLogsLogGroupArn, 'CloudWatchLogsLogGroupArn');
  const roleArn = optionalString(input.CloudWatchLogsRoleArn, 'CloudWatchLogsRoleArn');
  const kmsKeyId = optionalString(input.KmsKeyId, 'KmsKeyId');
  const organization = optionalBoolean(input.IsOrganizationTrail, 'IsOrganizationTrail') ?? false;
  // mergeTags enforces the 50-tag limit (TagsLimitExceededException), as AddTags does.
  const tags = input.TagsList === undefined ? [] : mergeTags([], parseTagsList(input.TagsList, 'TagsList'));

  validateTrailName(name);
  validateS3BucketName(bucket);
  if (prefix !== undefined && prefix !== '') validateS3KeyPrefix(prefix);
  validateCloudWatchLogs(logGroupArn, roleArn, scopeOf(ctx));
  validateMultiRegionGlobalEvents(multiRegion, includeGlobal);
  checkUnsupportedDestinations(kmsKeyId, logGroupArn);
  if (topic !== undefined && topic !== '') checkSnsTopic(ctx, topic);
  const owner = organization ? organizationOwner(ctx) : undefined;
  const organizationId = owner?.organizationId;
  await checkBucket(ctx, bucket);

  const { region } = scopeOf(ctx);
  const accountId = owner?.accountId ?? scopeOf(ctx).accountId;
  const trail: Trail = {
    arn: trailArn(region, accountId, name),
    name,
    accountId,
    homeRegion: region,
    s3BucketName: bucket,
    ...(prefix ? { s3KeyPrefix: prefix } : {}),
    ...(topic ? { snsTopicName: topic, snsTopicArn: snsTopicArn(topic, region, accountId) } : {}),
    includeGlobalServiceEvents: includeGlobal,
    isMultiRegionTrail: multiRegion,
    logFileValidationEnabled: validation,
    ...(kmsKeyId ? { kmsKeyId: kmsKeyArn(kmsKeyId, region, accountId) } : {}),
    isOrganizationTrail: organization,
    ...(organizationId ? { organizationId } : {}),
    selection: defaultSelection(),
    hasCustomEventSelectors: false,
    tags,
    createdAtMs: ctx.nowMs,
    status: { isLogging: false },
  };
  await ctx.trails.create(trail);
  return toApiTrailConfiguration(trail);
}

export async function updateTrail(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const ref = requireString(input.Name, 'Name');
  const bucket = optionalString(input.S3BucketName, 'S3BucketName');
  const prefix = optionalString(input.S3KeyPrefix, 'S3KeyPrefix');
  const topic = optionalString(input.SnsTopicName, 'SnsTopicName');
  const includeGlobal = optionalBoolean(input.IncludeGlobalServiceEvents, 'IncludeGlobalServiceEvents');
  const multiRegion = optionalBoolean(input.IsMultiRegionTrail, 'IsMultiRegionTrail');
  const validation = optionalBoolean(input.EnableLogFileValidation, 'EnableLogFileValidation');
  const logGroupArn = optionalString(input.CloudWatchLogsLogGroupArn, 'CloudWatchLogsLogGroupArn');
  const roleArn = optionalString(input.CloudWatchLogsRoleArn, 'CloudWatchLogsRoleArn');
  const kmsKeyId = optionalString(input.KmsKeyId, 'KmsKeyId');
  const organization = optionalBoolean(input.IsOrganizationTrail, 'IsOrganizationTrail');

  parseTrailRef(ref);
  const scope = scopeOf(ctx);
  const current = ctx.trails.findForChange(ref, scope);
  if (bucket !== undefined) validateS3BucketName(bucket);
  if (prefix !== undefined && prefix !== '') validateS3KeyPrefix(prefix);
  validateCloudWatchLogs(logGroupArn, roleArn, scope);
  validateMultiRegionGlobalEvents(
    multiRegion ?? current.isMultiRegionTrail,
    includeGlobal ?? current.includeGlobalServiceEvents,
  );
  checkUnsupportedDestinations(kmsKeyId, logGroupArn);
  if (topic !== undefined && topic !== '') checkSnsTopic(ctx, topic);
  // Only the management account converts between organization and account-level trails; a
  // delegated administrator updates organization trails as they are.
  const converts = organization !== undefined && organization !== current.isOrganizationTrail;
  if (converts && current.accountId !== scope.accountId) throw onlyManagementConverts('trail');
  const organizationId =
    organization === true ? (converts ? checkOrganization(ctx) : current.organizationId) : undefined;
  if (bucket !== undefined && bucket !== current.s3BucketName) await checkBucket(ctx, bucket);

  const updated = await ctx.trails.update(current.arn, (t) => {
    const next: Trail = { ...t };
    if (bucket !== undefined) next.s3BucketName = bucket;
    if (prefix !== undefined) {
      if (prefix === '') delete next.s3KeyPrefix;
      else next.s3KeyPrefix = prefix;
    }
    if (topic !== undefined) {
      if (topic === '') {
        delete next.snsTopicName;
        delete next.snsTopicArn;
      } else {
        next.snsTopicName = topic;
        next.snsTopicArn = snsTopicArn(topic, t.homeRegion, t.accountId);
      }
    }
    if (includeGlobal !== undefined) next.includeGlobalServiceEvents = includeGlobal;
    if (multiRegion !== undefined) next.isMultiRegionTrail = multiRegion;
    if (validation !== undefined) next.logFileValidationEnabled = validation;
    if (organization !== undefined) {
      next.isOrganizationTrail = organization;
      if (organizationId) next.organizationId = organizationId;
      else delete next.organizationId;
    }
    return next;
  });
  return toApiTrailConfiguration(updated);
}

export async function deleteTrail(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const ref = requireString(input.Name, 'Name');
  const trail = ctx.trails.findForChange(ref, scopeOf(ctx));
  // AWS stops delivering for a deleted trail: nothing pending is finished afterwards.
  await ctx.trails.delete(trail.arn);
  await ctx.delivery.forget(trail.arn);
  return {};
}

export function getTrail(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const ref = requireString(input.Name, 'Name');
  return Promise.resolve({ Trail: toApiTrail(ctx.trails.find(ref, scopeOf(ctx))) });
}

export function describeTrails(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const names =
    input.trailNameList === undefined || input.trailNameList === null
      ? []
      : expectArray(input.trailNameList, 'trailNameList').map((n, i) =>
          requireString(n, `trailNameList[${i}]`),
        );
  const includeShadows = optionalBoolean(input.includeShadowTrails, 'includeShadowTrails') ?? true;
  const scope = scopeOf(ctx);
  let trails: Trail[];
  if (names.length === 0) {
    trails = ctx.trails.visibleIn(scope);
  } else {
    trails = [];
    for (const name of names) {
      parseTrailRef(name);
      try {
        const found = ctx.trails.find(name, scope);
        if (!trails.includes(found)) trails.push(found);
      } catch (error) {
        // Names that match no trail are left out of the list, not an error.
        if (!(error instanceof ServiceError && error.code === 'TrailNotFoundException')) throw error;
      }
    }
  }
  if (!includeShadows) trails = trails.filter((t) => t.homeRegion === scope.region);
  return Promise.resolve({ trailList: trails.map(toApiTrail) });
}

export function listTrails(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  optionalString(input.NextToken, 'NextToken');
  // The trails that exist in the caller's region, shadow trails included, as DescribeTrails lists them.
  const trails = ctx.trails.visibleIn(scopeOf(ctx));
  return Promise.resolve({
    Trails: trails.map((t) => ({ TrailARN: t.arn, Name: t.name, HomeRegion: t.homeRegion })),
  });
}

export function getTrailStatus(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const ref = requireString(input.Name, 'Name');
  const s = ctx.trails.find(ref, scopeOf(ctx)).status;
  return Promise.resolve(
    withoutUndefined({
      IsLogging: s.isLogging,
      LatestDeliveryError: s.latestDeliveryError,
      LatestNotificationError: s.latestNotificationError,
      LatestDeliveryTime: seconds(s.latestDeliveryTimeMs),
      LatestNotificationTime: seconds(s.latestNotificationTimeMs),
      StartLoggingTime: seconds(s.startLoggingTimeMs),
      StopLoggingTime: seconds(s.stopLoggingTimeMs),
      LatestDigestDeliveryTime: seconds(s.latestDigestDeliveryTimeMs),
      LatestDigestDeliveryError: s.latestDigestDeliveryError,
      LatestDeliveryAttemptTime: isoOrEmpty(s.latestDeliveryAttemptTimeMs),
      LatestNotificationAttemptTime: isoOrEmpty(s.latestNotificationAttemptTimeMs),
      LatestNotificationAttemptSucceeded: isoOrEmpty(s.latestNotificationAttemptSucceededMs),
      LatestDeliveryAttemptSucceeded: isoOrEmpty(s.latestDeliveryAttemptSucceededMs),
      TimeLoggingStarted: isoOrEmpty(s.startLoggingTimeMs),
      TimeLoggingStopped: isoOrEmpty(s.stopLoggingTimeMs),
    }),
  );
}

export async function startLogging(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const ref = requireString(input.Name, 'Name');
  const trail = ctx.trails.findForChange(ref, scopeOf(ctx));
  if (trail.status.isLogging) return {};
  const consumer = deliveryConsumer(trail.arn);
  const cursor = await ctx.store.getCursorState(consumer);
  const backlog =
    cursor !== undefined && trail.status.stopSeq !== undefined && cursor.seq < BigInt(trail.status.stopSeq);
  // Delivery starts after the newest event recorded now, so this call's own event is the first
  // one delivered. A backlog left from before a StopLogging is still delivered first.
  if (!backlog) await ctx.store.commitCursor(consumer, ctx.store.lastSeq());
  await ctx.trails.update(trail.arn, (t) => {
    const { stopSeq: _stop, stopPendingSinceMs: _pending, ...status } = t.status;
    return { ...t, status: { ...status, isLogging: true, startLoggingTimeMs: ctx.nowMs } };
  });
  ctx.delivery.wake();
  return {};
}

export async function stopLogging(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const ref = requireString(input.Name, 'Name');
  const trail = ctx.trails.findForChange(ref, scopeOf(ctx));
  if (!trail.status.isLogging) return {};
  await ctx.trails.update(trail.arn, (t) => ({
    ...t,
    status: {
      ...t.status,
      isLogging: false,
      stopLoggingTimeMs: ctx.nowMs,
      stopSeq: ctx.store.lastSeq().toString(),
      stopPendingSinceMs: ctx.nowMs,
    },
  }));
  // The StopLogging event itself is the last one the trail delivers.
  ctx.onRecorded(async (seq) => {
    await ctx.trails.update(trail.arn, (t) => {
      if (t.status.isLogging) return t;
      const { stopPendingSinceMs: _pending, ...status } = t.status;
      return { ...t, status: { ...status, stopSeq: seq.toString() } };
    });
    ctx.delivery.wake();
  });
  return {};
}

function selectionOutput(trail: Trail): Record<string, unknown> {
  const selection: TrailSelection = trail.selection;
  return selection.kind === 'basic'
    ? { TrailARN: trail.arn, EventSelectors: selection.eventSelectors }
    : { TrailARN: trail.arn, AdvancedEventSelectors: selection.advancedEventSelectors };
}

export async function putEventSelectors(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const ref = requireString(input.TrailName, 'TrailName');
  const trail = ctx.trails.findForChange(ref, scopeOf(ctx));
  const selection = parseSelectionInput({
    EventSelectors: input.EventSelectors,
    AdvancedEventSelectors: input.AdvancedEventSelectors,
  });
  const updated = await ctx.trails.update(trail.arn, (t) => ({
    ...t,
    selection,
    hasCustomEventSelectors: true,
  }));
  return selectionOutput(updated);
}

export function getEventSelectors(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const ref = requireString(input.TrailName, 'TrailName');
  return Promise.resolve(selectionOutput(ctx.trails.find(ref, scopeOf(ctx))));
}
