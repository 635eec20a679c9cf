/**
 * AddTags, RemoveTags and ListTags for trails, event data stores and channels (CloudTrail API
 * reference). Resources are named by ARN; dashboards do not exist here, so their ARNs are not
 * found (ResourceNotFoundException).
 */
import { ServiceError } from '../../errors.ts';
import { requireTaggable } from '../../query/event-data-store.ts';
import { isAccountId, mergeTags, parseArn, parseTagsList, removeTags, type Tag } from '../../events/index.ts';
import type { Trail } from '../../trails/index.ts';
import { expectArray, optionalString, requireString } from '../../input.ts';
import type { OperationContext } from './operation.ts';

const MAX_LIST_TAGS_RESOURCES = 20;

/** A resource whose tags these operations read and change. */
interface Tagged {
  tags: Tag[];
  /** The kind of resource, as TagsLimitExceededException's message names it. */
  resource: string;
  change(fn: (tags: Tag[]) => Tag[]): Promise<void>;
}

function taggedResource(resourceId: string, ctx: OperationContext): Tagged {
  const arn = parseArn(resourceId);
  const kind = /^([a-z]+)\/.+$/.exec(arn?.resource ?? '')?.[1];
  if (
    arn?.service !== 'cloudtrail' ||
    !/^[a-z0-9-]+$/.test(arn.region) ||
    !isAccountId(arn.accountId) ||
    kind === undefined
  ) {
    throw new ServiceError(
      'CloudTrailARNInvalidException',
      `${resourceId} is not a valid ARN. The format is arn:aws:cloudtrail:region:account-id:trail/trail-name.`,
    );
  }
  const { region, accountId } = arn;
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
  if (kind === 'channel') {
    const channel = ctx.lake.channels
      .ownedBy({ accountId: ctx.caller.principal.accountId, region: ctx.caller.region })
      .find((c) => c.arn === resourceId);
    if (!channel) throw new ServiceError('ResourceNotFoundException', `Resource not found: ${resourceId}`);
    return {
      tags: channel.tags,
      resource: 'a channel',
      change: async (fn) => {
        await ctx.lake.channels.update(channel.arn, (c) => ({ ...c, tags: fn(c.tags) }));
      },
    };
  }
  if (kind === 'eventdatastore') {
    // EventDataStoreNotFoundException for an unknown store and InactiveEventDataStoreException for
    // one pending deletion: both are in the model's error lists of AddTags, RemoveTags and ListTags.
    const store = requireTaggable(
      ctx.lake.registry.find(resourceId, {
        accountId: ctx.caller.principal.accountId,
        region: ctx.caller.region,
      }),
    );
    return {
      tags: store.tags,
      resource: 'an event data store',
      change: async (fn) => {
        // Checked again in turn with other changes: a DeleteEventDataStore may have run meanwhile.
        await ctx.lake.registry.update(store.arn, (s) => ({ ...requireTaggable(s), tags: fn(s.tags) }));
      },
    };
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
  return {
    tags: trail.tags,
    resource: 'a trail',
    change: async (fn) => {
      await ctx.trails.update(trail.arn, (t: Trail) => ({ ...t, tags: fn(t.tags) }));
    },
  };
}

/** AddTags and RemoveTags: the same input, a different change to the resource's tags. */
async function changeTags(
  input: Record<string, unknown>,
  ctx: OperationContext,
  change: (current: Tag[], given: Tag[], resource: string) => Tag[],
): Promise<Record<string, unknown>> {
  const resourceId = requireString(input.ResourceId, 'ResourceId');
  const tags = parseTagsList(input.TagsList ?? [], 'TagsList');
  const tagged = taggedResource(resourceId, ctx);
  await tagged.change((current) => change(current, tags, tagged.resource));
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
    ResourceTagList: ids.map((id) => ({ ResourceId: id, TagsList: taggedResource(id, ctx).tags })),
  });
}
