/**
 * What each CloudTrail operation is authorized on, per the Service Authorization Reference
 * ("Actions, resources, and condition keys for AWS CloudTrail"): the resource types
 * (trail, eventdatastore, channel, dashboard — arn:${Partition}:cloudtrail:${Region}:${Account}:
 * trail/${TrailName}, eventdatastore/${EventDataStoreId}, channel/${ChannelId},
 * dashboard/${DashboardName}) each action acts on, `*` for the actions that have none, and the
 * dependent actions (cloudtrail:AddTags when a create carries tags). A trail, store, channel or
 * dashboard named without an ARN is the one of that name or ID in the caller's Region and
 * account; a resource that does not exist yet (or at all) is named by the ARN it would have.
 *
 * It also says which calls stop or weaken audit logging — StopLogging, DeleteTrail, an
 * UpdateTrail that turns off multi-region, global service events, log file validation or the
 * organization trail or moves the bucket, DeleteEventDataStore, an UpdateEventDataStore that
 * shortens retention or turns off termination protection, StopEventDataStoreIngestion,
 * DeleteChannel — for `--require-mfa-for-destruction`. Input is the parsed body, unchecked: only
 * string and boolean members are read; the handler refuses the rest with the service's error.
 */
import { partitionOf } from '../../events/index.ts';
import type { AuthorizationTarget } from '../../iam/index.ts';
import { delegatingOrganization, trailArn, type Trail } from '../../trails/index.ts';
import type { CallContext, OperationAuthorization } from '../endpoint.ts';
import type { CloudTrailServices } from './operation.ts';
import type { CloudTrailOperation } from './operations.ts';

type Input = Record<string, unknown>;

interface Scope {
  accountId: string;
  region: string;
  partition: string;
}

type ResourceType = 'trail' | 'eventdatastore' | 'channel' | 'dashboard';

const ANY: OperationAuthorization = {};

/** The authorization of one call of `name` with `input`. */
export function cloudTrailAuthorization(
  name: CloudTrailOperation,
  input: Input,
  services: CloudTrailServices,
  call: CallContext,
): OperationAuthorization {
  const scope: Scope = {
    accountId: call.caller.principal.accountId,
    region: call.caller.region,
    partition: partitionOf(call.caller.region),
  };
  const trail = (member: string): AuthorizationTarget[] => {
    const ref = stringOf(input[member]);
    return ref === undefined ? [] : [target(trailRefArn(ref, services, scope))];
  };
  // Event data stores, channels and dashboards carry resource-based policies.
  const governed = (arn: string): AuthorizationTarget => resourceTarget(arn, services, scope);
  const store = (member: string): AuthorizationTarget[] => {
    const ref = stringOf(input[member]);
    return ref === undefined ? [] : [governed(refArn('eventdatastore', ref, scope))];
  };
  const channel = (member: string): AuthorizationTarget[] => {
    const ref = stringOf(input[member]);
    return ref === undefined ? [] : [governed(refArn('channel', ref, scope))];
  };
  const dashboard = (member: string): AuthorizationTarget[] => {
    const ref = stringOf(input[member]);
    return ref === undefined ? [] : [governed(refArn('dashboard', ref, scope))];
  };
  // Tags are the owner's business: no CloudTrail resource-based policy may grant a tagging action
  // (channels: PutAuditEvents; stores: the query actions; dashboards: refresh), so another
  // account's ARN is not a cross-account call but CloudTrailARNInvalidException from the handler.
  const tagged = (arn: string): AuthorizationTarget => target(arn);
  const on = (targets: AuthorizationTarget[], extra: Omit<OperationAuthorization, 'targets'> = {}) =>
    targets.length > 0 ? { targets, ...extra } : extra;

  switch (name) {
    // Actions with no resource type: Resource "*".
    case 'DescribeTrails':
    case 'ListTrails':
    case 'LookupEvents':
    case 'ListPublicKeys':
    case 'ListChannels':
    case 'ListDashboards':
    case 'ListEventDataStores':
    case 'ListImports':
    case 'ListImportFailures':
    case 'GetImport':
    case 'StartImport':
    case 'StopImport':
    case 'SearchSampleQueries':
      return ANY;
    // CloudTrail registers the account with AWS Organizations on the caller's behalf: "you must
    // have the permissions to add and remove the delegated administrator in CloudTrail, as well as
    // certain AWS Organizations API actions" (User Guide, "Required permissions to assign a
    // delegated administrator").
    case 'RegisterOrganizationDelegatedAdmin':
    case 'DeregisterOrganizationDelegatedAdmin':
      return {
        targets: [
          { resource: '*' },
          {
            action: `organizations:${name === 'RegisterOrganizationDelegatedAdmin' ? 'Register' : 'Deregister'}DelegatedAdministrator`,
            resource: '*',
          },
        ],
      };
    // "Access to the ListInsightsMetricData API operation is linked to the cloudtrail:LookupEvents
    // action" (and, with TrailName, cloudtrail:ListInsightsData on that trail).
    case 'ListInsightsMetricData':
      return {
        targets: [
          { action: 'cloudtrail:LookupEvents', resource: '*' },
          ...trail('TrailName').map((t) => ({ ...t, action: 'cloudtrail:ListInsightsData' })),
        ],
      };

    case 'CreateTrail': {
      const tags = tagsOf(input.TagsList);
      // A delegated administrator's organization trail is made in the management account.
      const owner = input.IsOrganizationTrail === true ? organizationOwnerOf(services, scope) : undefined;
      const name = stringOf(input.Name);
      const targets =
        owner && name !== undefined && !name.startsWith('arn:')
          ? [target(trailArn(scope.region, owner, name))]
          : trail('Name');
      return on(withTagging(targets, tags), tags ? { requestTags: tags } : {});
    }
    case 'GetTrail':
    case 'GetTrailStatus':
    case 'StartLogging':
    case 'ListInsightsData':
      return on(trail(name === 'ListInsightsData' ? 'TrailName' : 'Name'));
    case 'StopLogging':
    case 'DeleteTrail':
      return on(trail('Name'), { destructive: true });
    case 'UpdateTrail':
      return on(trail('Name'), { destructive: weakensTrail(input, services, scope) });
    case 'GetEventSelectors':
    case 'PutEventSelectors':
      return on(trail('TrailName'));
    // Trail or event data store, whichever the input names.
    case 'GetInsightSelectors':
    case 'PutInsightSelectors':
    case 'GetEventConfiguration':
    case 'PutEventConfiguration':
      return on([...trail('TrailName'), ...store('EventDataStore')]);

    case 'AddTags':
    case 'RemoveTags': {
      const tags = name === 'AddTags' ? tagsOf(input.TagsList) : undefined;
      const id = stringOf(input.ResourceId);
      return on(
        id === undefined ? [] : [tagged(taggedArn(id, services, scope))],
        tags ? { requestTags: tags } : {},
      );
    }
    case 'ListTags': {
      const ids = Array.isArray(input.ResourceIdList) ? input.ResourceIdList : [];
      return on(
        ids.flatMap((id) => (typeof id === 'string' ? [tagged(taggedArn(id, services, scope))] : [])),
      );
    }

    case 'CreateEventDataStore': {
      const tags = tagsOf(input.TagsList);
      // Its ID is made by the call: the ARN of any store of the caller's account and Region (of the
      // management account for a delegated administrator's organization store).
      const owner = input.OrganizationEnabled === true ? organizationOwnerOf(services, scope) : undefined;
      const targets = [target(arnOf('eventdatastore', '*', owner ? { ...scope, accountId: owner } : scope))];
      return on(withTagging(targets, tags), tags ? { requestTags: tags } : {});
    }
    case 'GetEventDataStore':
    case 'RestoreEventDataStore':
    case 'StartEventDataStoreIngestion':
    case 'EnableFederation':
    case 'DisableFederation':
    case 'ListQueries':
      return on(store('EventDataStore'));
    case 'DeleteEventDataStore':
    case 'StopEventDataStoreIngestion':
      return on(store('EventDataStore'), { destructive: true });
    case 'UpdateEventDataStore':
      return on(store('EventDataStore'), { destructive: weakensStore(input, services, scope) });
    case 'GenerateQuery': {
      const ids = Array.isArray(input.EventDataStores) ? input.EventDataStores : [];
      return on(
        ids.flatMap((id) => (typeof id === 'string' ? [governed(refArn('eventdatastore', id, scope))] : [])),
      );
    }
    case 'StartQuery': {
      const statement = stringOf(input.QueryStatement) ?? '';
      // Stores named by ID are the EventDataStoreOwnerAccountId's when the query reads another account's.
      const owner = stringOf(input.EventDataStoreOwnerAccountId);
      const ownerScope =
        owner !== undefined && /^\d{12}$/.test(owner) ? { ...scope, accountId: owner } : scope;
      return on(storesInStatement(statement, ownerScope).map(governed));
    }
    case 'DescribeQuery':
    case 'GetQueryResults':
    case 'CancelQuery': {
      const named = store('EventDataStore');
      return on(named.length > 0 ? named : queryStores(input, services, scope));
    }

    case 'CreateChannel': {
      const tags = tagsOf(input.Tags);
      const destinations = Array.isArray(input.Destinations) ? input.Destinations : [];
      const stores = destinations.flatMap((d) => {
        const location = isRecord(d) ? stringOf(d.Location) : undefined;
        return location === undefined ? [] : [governed(refArn('eventdatastore', location, scope))];
      });
      const targets = withTagging([target(arnOf('channel', '*', scope))], tags);
      return on([...targets, ...stores], tags ? { requestTags: tags } : {});
    }
    case 'GetChannel':
    case 'UpdateChannel':
      return on(channel('Channel'));
    case 'DeleteChannel':
      return on(channel('Channel'), { destructive: true });

    case 'CreateDashboard': {
      const tags = tagsOf(input.TagsList);
      return on(withTagging(dashboard('Name'), tags), tags ? { requestTags: tags } : {});
    }
    case 'GetDashboard':
    case 'UpdateDashboard':
    case 'DeleteDashboard':
    case 'StartDashboardRefresh':
      return on(dashboard('DashboardId'));

    case 'GetResourcePolicy':
    case 'PutResourcePolicy':
    case 'DeleteResourcePolicy': {
      const arn = stringOf(input.ResourceArn);
      return on(arn === undefined ? [] : [governed(arn)]);
    }
  }
}

/** The management account when the caller is CloudTrail's delegated administrator of its organization. */
function organizationOwnerOf(services: CloudTrailServices, scope: Scope): string | undefined {
  return delegatingOrganization(services.organizations, scope.accountId)?.managementAccountId;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A target on a trail (or on `*`-like ARNs of resources a call creates): the caller's own policies
 * decide. CloudTrail's trail handlers act only on the caller's account (another account's ARN
 * answers the service's not-found or invalid-ARN error; an organization trail is read by its
 * members as AWS lets them).
 */
function target(arn: string): AuthorizationTarget {
  return { resource: arn };
}

/**
 * A target on an event data store, channel or dashboard, with the resource-based policy attached
 * to it (PutResourcePolicy), which the engine evaluates with the caller's policies: within the
 * account either may allow (a policy naming the caller allows on its own), and on a resource of
 * another account — its owner is the account in the ARN — both must ("Cross-account policy
 * evaluation logic"), so without a policy such a call is denied. The delegated administrator of an
 * organization reaches its management account's organization event data stores as AWS's default
 * delegated-administrator policy lets it: those calls are decided as within the account.
 */
function resourceTarget(arn: string, services: CloudTrailServices, scope: Scope): AuthorizationTarget {
  const owner = accountOfArn(arn);
  const foreign =
    owner !== undefined && owner !== scope.accountId && owner !== organizationOwnerOf(services, scope);
  const policy = services.lake.resourcePolicies.compiledFor(arn);
  return {
    resource: arn,
    ...(foreign ? { resourceAccount: owner } : {}),
    ...(policy ? { resourcePolicy: policy } : {}),
  };
}

/** The account field of an ARN (arn:partition:service:region:account:resource), when it is one. */
function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

function arnOf(type: ResourceType, id: string, scope: Scope): string {
  return `arn:${scope.partition}:cloudtrail:${scope.region}:${scope.accountId}:${type}/${id}`;
}

/** An ARN as given, or the ARN of the name or ID in the caller's Region and account. */
function refArn(type: ResourceType, ref: string, scope: Scope): string {
  return ref.startsWith('arn:') ? ref : arnOf(type, ref, scope);
}

/** A trail named by ARN or by name: the trail the name resolves to (a shadow names its home trail). */
function trailRefArn(ref: string, services: CloudTrailServices, scope: Scope): string {
  if (ref.startsWith('arn:')) return ref;
  const found = findTrail(ref, services, scope);
  return found?.arn ?? trailArn(scope.region, scope.accountId, ref);
}

function findTrail(ref: string, services: CloudTrailServices, scope: Scope): Trail | undefined {
  try {
    return services.trails.find(ref, scope);
  } catch {
    return undefined;
  }
}

/** AddTags/RemoveTags/ListTags name a resource by ARN (a trail also by name). */
function taggedArn(id: string, services: CloudTrailServices, scope: Scope): string {
  return id.startsWith('arn:') ? id : trailRefArn(id, services, scope);
}

/** The dependent cloudtrail:AddTags of a create that carries tags, on the resource it creates. */
function withTagging(
  targets: AuthorizationTarget[],
  tags: Record<string, string> | undefined,
): AuthorizationTarget[] {
  if (!tags) return targets;
  return [...targets, ...targets.map((t) => ({ ...t, action: 'cloudtrail:AddTags' }))];
}

/** Tags as CloudTrail takes them: [{Key, Value}], Value optional. */
function tagsOf(value: unknown): Record<string, string> | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const tags: Record<string, string> = {};
  for (const tag of value) {
    if (isRecord(tag) && typeof tag.Key === 'string')
      tags[tag.Key] = typeof tag.Value === 'string' ? tag.Value : '';
  }
  return Object.keys(tags).length > 0 ? tags : undefined;
}

const EVENT_DATA_STORE_ARN = /arn:[a-z-]+:cloudtrail:[a-z0-9-]+:\d{12}:eventdatastore\/[0-9a-fA-F-]{36}/g;
const UUID = /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g;

/** The event data stores a Lake statement reads: the ARNs and IDs it names (FROM <id>). */
function storesInStatement(statement: string, scope: Scope): string[] {
  const arns = new Set<string>();
  const arnIds = new Set<string>();
  for (const m of statement.matchAll(EVENT_DATA_STORE_ARN)) {
    arns.add(m[0]);
    arnIds.add(m[0].slice(-36).toLowerCase());
  }
  for (const m of statement.matchAll(UUID)) {
    if (!arnIds.has(m[0].toLowerCase())) arns.add(arnOf('eventdatastore', m[0], scope));
  }
  return [...arns];
}

/** DescribeQuery, GetQueryResults and CancelQuery without EventDataStore: the stores the query read. */
function queryStores(input: Input, services: CloudTrailServices, scope: Scope): AuthorizationTarget[] {
  const id = stringOf(input.QueryId);
  if (id === undefined) return [];
  try {
    return services.lake.queries.get(scope, id).storeArns.map((arn) => resourceTarget(arn, services, scope));
  } catch {
    return [];
  }
}

/**
 * Whether an UpdateTrail weakens what the trail logs or where it keeps it: off multi-region,
 * global service events, log file validation or the organization, or another bucket.
 */
function weakensTrail(input: Input, services: CloudTrailServices, scope: Scope): boolean {
  const ref = stringOf(input.Name);
  const current = ref === undefined ? undefined : findTrail(ref, services, scope);
  if (!current) return false;
  const turnsOff = (member: string, now: boolean): boolean => input[member] === false && now;
  const bucket = stringOf(input.S3BucketName);
  return (
    turnsOff('IsMultiRegionTrail', current.isMultiRegionTrail) ||
    turnsOff('IncludeGlobalServiceEvents', current.includeGlobalServiceEvents) ||
    turnsOff('EnableLogFileValidation', current.logFileValidationEnabled) ||
    turnsOff('IsOrganizationTrail', current.isOrganizationTrail) ||
    (bucket !== undefined && bucket !== current.s3BucketName)
  );
}

/** Whether an UpdateEventDataStore shortens retention or turns off termination protection. */
function weakensStore(input: Input, services: CloudTrailServices, scope: Scope): boolean {
  const ref = stringOf(input.EventDataStore);
  if (ref === undefined) return false;
  let current;
  try {
    current = services.lake.registry.find(ref, scope);
  } catch {
    return false;
  }
  const retention = input.RetentionPeriod;
  return (
    (typeof retention === 'number' && retention < current.retentionPeriod) ||
    (input.TerminationProtectionEnabled === false && current.terminationProtectionEnabled)
  );
}
