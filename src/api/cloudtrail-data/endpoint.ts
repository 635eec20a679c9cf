/**
 * The cloudtrail-data REST endpoint: POST /PutAuditEvents?channelArn=…[&externalId=…] with a JSON
 * body (rest-json protocol, signing name cloudtrail-data). Errors carry their code in the
 * X-Amzn-ErrorType header, which botocore's rest-json parser reads first. The call is recorded as
 * a data event of cloudtrail-data.amazonaws.com, committed after the events it added.
 *
 * It is authorized on the channel (Service Authorization Reference: cloudtrail-data:PutAuditEvents
 * acts on resource type channel) with the channel's resource-based policy, so an integration
 * partner's account that the policy names may send events through the channel, with the
 * externalId the policy's cloudtrail:ExternalId condition asks for ("CloudTrail resource-based
 * policy examples"); another account without one is denied.
 */
import { formatArn } from '../../events/index.ts';
import { isServiceError } from '../../errors.ts';
import { parseJsonObjectBody } from '../../input.ts';
import { parseChannelRef } from '../../query/index.ts';
import type { AuthorizationTarget } from '../../iam/index.ts';
import type { LakeContext } from '../cloudtrail/operation.ts';
import type { AuditResource, CallContext, Endpoint, Operation, OperationAuthorization } from '../endpoint.ts';
import { putAuditEvents } from './put-audit-events.ts';

export const PUT_AUDIT_EVENTS_PATH = '/PutAuditEvents';
/** 1 MB of eventData, written as JSON strings (escaping can double it), plus the envelope. */
export const MAX_PUT_AUDIT_EVENTS_BODY_BYTES = 3 * 1024 * 1024;

/**
 * The channel a call names, as the audit record's resource: CloudTrail logs PutAuditEvents as a
 * data event on the channel (resource type AWS::CloudTrail::Channel in the data event types of
 * the CloudTrail User Guide). A channel given by ID alone is the caller's, in the call's Region.
 */
function channelResource(call: CallContext): AuditResource[] | undefined {
  const value = call.request.query.get('channelArn');
  if (value === null || value === '') return undefined;
  try {
    const ref = parseChannelRef(value);
    const region = ref.arn?.region ?? call.caller.region;
    const accountId = ref.arn?.accountId ?? call.caller.principal.accountId;
    const ARN = formatArn({ service: 'cloudtrail', region, accountId, resource: `channel/${ref.id}` });
    return [{ ARN, accountId, type: 'AWS::CloudTrail::Channel' }];
  } catch (error) {
    // A malformed channelArn names no resource; the call fails with InvalidChannelARN.
    if (isServiceError(error)) return undefined;
    throw error;
  }
}

/**
 * The channel as the authorizer's target: its ARN, its owner when that is another account (both
 * sides must allow), its resource-based policy, and the request's cloudtrail:ExternalId. A call
 * that names no valid channel is authorized on `*` and then fails with InvalidChannelARN.
 */
function channelAuthorization(call: CallContext, lake: LakeContext): OperationAuthorization {
  const resource = channelResource(call)?.[0];
  if (!resource) return {};
  const policy = lake.resourcePolicies.compiledFor(resource.ARN);
  const externalId = call.request.query.get('externalId');
  const target: AuthorizationTarget = {
    resource: resource.ARN,
    ...(resource.accountId !== call.caller.principal.accountId
      ? { resourceAccount: resource.accountId }
      : {}),
    ...(policy ? { resourcePolicy: policy } : {}),
    ...(externalId !== null ? { context: { 'cloudtrail:ExternalId': externalId } } : {}),
  };
  return { targets: [target] };
}

function putAuditEventsOperation(lake: LakeContext): Operation<Record<string, unknown>> {
  return {
    name: 'PutAuditEvents',
    eventSource: 'cloudtrail-data.amazonaws.com',
    action: 'cloudtrail-data:PutAuditEvents',
    readOnly: false,
    category: 'Data',
    parse: (body) => parseJsonObjectBody(body),
    requestParameters(_input, call) {
      const channelArn = call.request.query.get('channelArn');
      const externalId = call.request.query.get('externalId');
      return {
        ...(channelArn !== null ? { channelArn } : {}),
        ...(externalId !== null ? { externalId } : {}),
      };
    },
    resources: (_input, call) => channelResource(call),
    authorization: (_input, call) => channelAuthorization(call, lake),
    async handle(input, call) {
      const output = await putAuditEvents(call.request.query, input, {
        caller: call.caller,
        lake,
        nowMs: call.nowMs,
      });
      return { responseElements: null, answer: () => output };
    },
  };
}

export function cloudTrailDataEndpoint(lake: LakeContext): Endpoint {
  const operation = putAuditEventsOperation(lake);
  return {
    matches: (method, path) => method === 'POST' && path === PUT_AUDIT_EVENTS_PATH,
    signingNames: ['cloudtrail-data'],
    maxBodyBytes: MAX_PUT_AUDIT_EVENTS_BODY_BYTES,
    requestContentTypes: ['application/json'],
    contentType: 'application/json',
    route: () => operation,
  };
}
