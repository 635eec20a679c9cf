/**
 * AWS Organizations (AWS JSON 1.1, signing name organizations) at POST /, beside CloudTrail, IAM
 * and STS: the request's credential scope picks this endpoint. `X-Amz-Target:
 * AWSOrganizationsV20161128.<Operation>`. Organizations is global: its calls are recorded in
 * us-east-1 with eventSource organizations.amazonaws.com, as AWS records them.
 */
import { ServiceError } from '../../errors.ts';
import { parseJsonObjectBody } from '../../input.ts';
import type { Endpoint, Operation } from '../endpoint.ts';
import {
  ORGANIZATIONS_HANDLERS,
  isReadOnlyOrganizationsOperation,
  type OrganizationsServices,
} from './operations.ts';

export const ORGANIZATIONS_TARGET_PREFIX = 'AWSOrganizationsV20161128.';
/** CreatePolicy's Content is at most 1,000,000 characters in the model; SCPs far less. */
export const MAX_ORGANIZATIONS_BODY_BYTES = 1024 * 1024;
const CONTENT_TYPE = 'application/x-amz-json-1.1';

function organizationsOperation(
  name: string,
  services: OrganizationsServices,
): Operation<Record<string, unknown>> {
  const handler = ORGANIZATIONS_HANDLERS[name];
  const readOnly = isReadOnlyOrganizationsOperation(name);
  return {
    name,
    eventSource: 'organizations.amazonaws.com',
    action: `organizations:${name}`,
    readOnly,
    category: 'Management',
    auditRegion: 'us-east-1',
    parse: (body) => parseJsonObjectBody(body),
    requestParameters: (input) => (input && Object.keys(input).length > 0 ? input : null),
    async handle(input, call) {
      if (!handler) {
        throw new ServiceError('UnknownOperationException', `OpenTrail does not implement ${name} yet.`);
      }
      const output = await handler(input, call.caller.principal.accountId, services);
      return {
        responseElements: !readOnly && Object.keys(output).length > 0 ? output : null,
        answer: () => output,
      };
    },
  };
}

export function organizationsEndpoint(services: OrganizationsServices): Endpoint {
  return {
    matches: (method, path) => method === 'POST' && path === '/',
    signingNames: ['organizations'],
    maxBodyBytes: MAX_ORGANIZATIONS_BODY_BYTES,
    requestContentTypes: [CONTENT_TYPE],
    contentType: CONTENT_TYPE,
    route(request) {
      const target = request.headers['x-amz-target']?.[0];
      const name = target?.startsWith(ORGANIZATIONS_TARGET_PREFIX)
        ? target.slice(ORGANIZATIONS_TARGET_PREFIX.length)
        : undefined;
      if (name === undefined || !Object.hasOwn(ORGANIZATIONS_HANDLERS, name)) {
        throw new ServiceError(
          'UnknownOperationException',
          `Unknown operation ${target ?? '(no X-Amz-Target)'}.`,
        );
      }
      return organizationsOperation(name, services);
    },
  };
}
