/**
 * AddTags, RemoveTags and ListTags for trails (CloudTrail API reference). Resources are named by
 * ARN; event data stores and channels answer ResourceNotFoundException until Lake exists.
 */
import { ServiceError } from '../../errors.ts';
import { mergeTags, parseTagsList, removeTags, type Tag, type Trail } from '../../trails/index.ts';
import { expectArray, optionalString, requireString } from '../input.ts';
import type { OperationContext } from './operation.ts';

const MAX_LIST_TAGS_RESOURCES = 20;

function trailOfResource(resourceId: string, ctx: OperationContext): Trail {
  const match = /^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):(\d{12}):([a-z]+)\/(.+)$/.exec(resourceId);
  if (!match) {
    throw new ServiceError(
      'CloudTrailARNInvalidException',
      `${resourceId} is not a valid ARN. The format is arn:aws:cloudtrail:region:account-id:trail/trail-name.`,
    );
  }
  const [, region, accountId, kind] = match;
  // Tags are changed and read in the resource's own region and account (AWS answers ListTags this way).
  if (region !== ctx.caller.region) {
    throw new ServiceError(
      'CloudTrailARNInvalidException',
      `Region in ARN is wrong, you can only access resources in region ${ctx.caller.region}.`,
    );
  }
  if (accountId !== ctx.caller.principal.accountId) {
    throw new ServiceError(
      'CloudTrailARNInvalidException',
      `AccountID in ARN is wrong, you can only access resources with AccountID ${ctx.caller.principal.accountId}.`,
    );
  }
  if (kind !== 'trail') {
    throw new ServiceError('ResourceNotFoundException', `Resource not found: ${resourceId}`);
  }
  const trail = ctx.trails
    .visibleIn({ accountId: ctx.caller.principal.accountId, region: ctx.caller.region })
    .find((t) => t.arn === resourceId);
  if (!trail || accountId !== ctx.caller.principal.accountId) {
    throw new ServiceError('ResourceNotFoundException', `Resource not found: ${resourceId}`);
  }
  return trail;
}

/** AddTags and RemoveTags: the same input, a different change to the trail's tags. */
async function changeTags(
  input: Record<string, unknown>,
  ctx: OperationContext,
  change: (current: Tag[], given: Tag[]) => Tag[],
): Promise<Record<string, unknown>> {
  const resourceId = requireString(input.ResourceId, 'ResourceId');
  const tags = parseTagsList(input.TagsList ?? [], 'TagsList');
  const trail = trailOfResource(resourceId, ctx);
  await ctx.trails.update(trail.arn, (t) => ({ ...t, tags: change(t.tags, tags) }));
  return {};
}

export function addTags(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  return changeTags(input, ctx, mergeTags);
}

export function removeTagsOperation(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  return changeTags(input, ctx, removeTags);
}

export function listTags(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const ids = expectArray(input.ResourceIdList ?? [], 'ResourceIdList').map((v, i) =>
    requireString(v, `ResourceIdList[${i}]`),
  );
  optionalString(input.NextToken, 'NextToken');
  if (ids.length === 0 || ids.length > MAX_LIST_TAGS_RESOURCES) {
    throw new ServiceError(
      'InvalidParameterException',
      `ResourceIdList must name 1 to ${MAX_LIST_TAGS_RESOURCES} resources; ${ids.length} were given.`,
    );
  }
  return Promise.resolve({
    ResourceTagList: ids.map((id) => ({ ResourceId: id, TagsList: trailOfResource(id, ctx).tags })),
  });
}
