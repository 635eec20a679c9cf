/**
 * AWS STS (query protocol, signing name sts) at POST /, beside CloudTrail and IAM: the request's
 * credential scope picks this endpoint. GetCallerIdentity, GetSessionToken and AssumeRole are
 * served; the model's other operations answer InvalidAction until they are built. Calls are recorded with
 * eventSource sts.amazonaws.com in the Region they were signed for (STS is regional).
 */
import { ServiceError } from '../../errors.ts';
import type { AuditResource, CallContext, Endpoint, Operation, OperationAuthorization } from '../endpoint.ts';
import {
  QUERY_CONTENT_TYPE,
  XML_CONTENT_TYPE,
  parseQueryParams,
  queryAction,
  queryErrorCode,
  readQueryInput,
  queryErrorAnswer,
  writeQueryResponse,
} from '../query-protocol.ts';
import { assumeRole, assumeRoleAuthorization, assumeRoleResources } from './assume-role.ts';
import { STS_MODEL } from './sts-model.ts';
import { getCallerIdentity, getSessionToken, type StsServices } from './sts-operations.ts';

export const MAX_STS_BODY_BYTES = 64 * 1024;

type StsHandler = (input: Record<string, unknown>, call: CallContext) => Promise<Record<string, unknown>>;

function handlersOf(services: StsServices): Record<string, StsHandler> {
  return {
    GetCallerIdentity: (_input, call) => Promise.resolve(getCallerIdentity(call.caller)),
    GetSessionToken: (input, call) => getSessionToken(input, call.caller, call.nowMs, services),
    AssumeRole: (input, call) => Promise.resolve(assumeRole(input, call, services)),
  };
}

/** The error codes STS writes for shapes it shares with IAM by name (the model's `error.code`). */
const STS_WIRE_CODES: Partial<Record<string, string>> = {
  MalformedPolicyDocumentException: 'MalformedPolicyDocument',
};

/** What the audit record keeps of an answer: never a secret (AWS records the key and the token). */
function recordedAnswer(name: string, output: Record<string, unknown>): Record<string, unknown> | null {
  if (name !== 'GetSessionToken' && name !== 'AssumeRole') return null;
  const credentials = output.Credentials as Record<string, unknown>;
  const user = output.AssumedRoleUser as Record<string, unknown> | undefined;
  return {
    credentials: {
      accessKeyId: credentials.AccessKeyId,
      sessionToken: credentials.SessionToken,
      expiration: recordedExpiration(credentials.Expiration as Date),
    },
    ...(user ? { assumedRoleUser: { assumedRoleId: user.AssumedRoleId, arn: user.Arn } } : {}),
    ...(output.SourceIdentity !== undefined ? { sourceIdentity: output.SourceIdentity } : {}),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** How CloudTrail writes an STS credential's expiration: `Jul 19, 2023, 9:11:57 PM` (UTC). */
export function recordedExpiration(date: Date): string {
  const hours = date.getUTCHours();
  const two = (n: number): string => String(n).padStart(2, '0');
  const clock = `${hours % 12 === 0 ? 12 : hours % 12}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()}, ${clock} ${hours < 12 ? 'AM' : 'PM'}`;
}

interface StsOperationHooks {
  authorization?: (input: Record<string, unknown>, call: CallContext) => Promise<OperationAuthorization>;
  resources?: (input: Record<string, unknown> | undefined) => AuditResource[] | undefined;
}

function stsOperation(
  name: string,
  handler: StsHandler | undefined,
  hooks: StsOperationHooks = {},
): Operation<Record<string, unknown>> {
  // AWS records AssumeRole as read-only (it changes no resource).
  const readOnly = name === 'GetCallerIdentity' || name === 'AssumeRole';
  return {
    name,
    eventSource: 'sts.amazonaws.com',
    action: `sts:${name}`,
    readOnly,
    category: 'Management',
    parse: (body) => readQueryInput(STS_MODEL, name, parseQueryParams(body)),
    // A TokenCode is spent once verified, but is not kept in the record either.
    requestParameters: (input) => {
      if (!input) return null;
      const { TokenCode: _code, ...kept } = input;
      return Object.keys(kept).length > 0 ? kept : null;
    },
    ...(hooks.authorization ? { authorization: hooks.authorization } : {}),
    ...(hooks.resources ? { resources: hooks.resources } : {}),
    async handle(input, call) {
      if (!handler) throw new ServiceError('InvalidAction', `OpenTrail does not implement ${name} yet.`);
      const output = await handler(input, call);
      return {
        responseElements: recordedAnswer(name, output),
        answer: () => writeQueryResponse(STS_MODEL, name, output, call.requestId),
      };
    },
  };
}

export function stsEndpoint(services: StsServices): Endpoint {
  const handlers = handlersOf(services);
  return {
    matches: (method, path) => method === 'POST' && path === '/',
    signingNames: ['sts'],
    maxBodyBytes: MAX_STS_BODY_BYTES,
    requestContentTypes: [QUERY_CONTENT_TYPE],
    contentType: XML_CONTENT_TYPE,
    errorBody: (error, requestId) =>
      queryErrorAnswer(
        STS_MODEL.xmlNamespace,
        queryErrorCode(error, STS_WIRE_CODES[error.code]),
        error,
        requestId,
      ),
    route(_request, body) {
      const action = queryAction(STS_MODEL, body);
      if (action === 'AssumeRole') {
        return stsOperation(action, handlers[action], {
          authorization: (input, call) => assumeRoleAuthorization(input, call, services),
          resources: assumeRoleResources,
        });
      }
      return stsOperation(action, handlers[action]);
    },
  };
}
