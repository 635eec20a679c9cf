/**
 * The IAM API (AWS query protocol, API version 2010-05-08): POST / with a form body naming the
 * `Action`, signing name iam, XML answers. IAM is global: every call is recorded in us-east-1 with
 * eventSource iam.amazonaws.com, as AWS records it. Every operation of the service model is
 * routed and audited; those OpenTrail does not serve answer InvalidAction (and are recorded so).
 */
import { ServiceError } from '../../errors.ts';
import { partitionOf } from '../../events/index.ts';
import { ROOT_USER_NAME, iamWireCode, isRootPrincipal, type IamCall } from '../../iam/index.ts';
import type { CallContext, Endpoint, Operation } from '../endpoint.ts';
import {
  QUERY_CONTENT_TYPE,
  XML_CONTENT_TYPE,
  parseQueryParams,
  queryAction,
  queryErrorCode,
  readQueryInput,
  queryErrorAnswer,
  writeQueryResponse,
  type ServiceModel,
} from '../query-protocol.ts';
import { IAM_AUTHORIZED_OPERATIONS, iamAuthorization } from './authorization.ts';
import * as identities from './identities.ts';
import { IAM_MODEL } from './iam-model.ts';
import type { IamHandler, IamServices } from './operation.ts';
import * as policies from './policies.ts';
import { recordOf } from './views.ts';

/** The largest IAM request body accepted (policy documents are at most 10,240 characters). */
export const MAX_IAM_BODY_BYTES = 256 * 1024;

const HANDLERS: Record<string, IamHandler> = {
  CreateUser: identities.createUser,
  GetUser: identities.getUser,
  ListUsers: identities.listUsers,
  UpdateUser: identities.updateUser,
  DeleteUser: identities.deleteUser,
  TagUser: identities.tagUser,
  UntagUser: identities.untagUser,
  ListUserTags: identities.listUserTags,
  CreateAccessKey: identities.createAccessKey,
  ListAccessKeys: identities.listAccessKeys,
  UpdateAccessKey: identities.updateAccessKey,
  DeleteAccessKey: identities.deleteAccessKey,
  GetAccessKeyLastUsed: identities.getAccessKeyLastUsed,
  CreateGroup: identities.createGroup,
  GetGroup: identities.getGroup,
  ListGroups: identities.listGroups,
  DeleteGroup: identities.deleteGroup,
  AddUserToGroup: identities.addUserToGroup,
  RemoveUserFromGroup: identities.removeUserFromGroup,
  ListGroupsForUser: identities.listGroupsForUser,
  CreateRole: identities.createRole,
  GetRole: identities.getRole,
  ListRoles: identities.listRoles,
  UpdateRole: identities.updateRole,
  UpdateAssumeRolePolicy: identities.updateAssumeRolePolicy,
  DeleteRole: identities.deleteRole,
  TagRole: identities.tagRole,
  UntagRole: identities.untagRole,
  ListRoleTags: identities.listRoleTags,
  CreatePolicy: policies.createPolicy,
  GetPolicy: policies.getPolicy,
  CreatePolicyVersion: policies.createPolicyVersion,
  GetPolicyVersion: policies.getPolicyVersion,
  ListPolicyVersions: policies.listPolicyVersions,
  SetDefaultPolicyVersion: policies.setDefaultPolicyVersion,
  DeletePolicyVersion: policies.deletePolicyVersion,
  DeletePolicy: policies.deletePolicy,
  ListPolicies: policies.listPolicies,
  AttachUserPolicy: policies.attachUserPolicy,
  AttachGroupPolicy: policies.attachGroupPolicy,
  AttachRolePolicy: policies.attachRolePolicy,
  DetachUserPolicy: policies.detachUserPolicy,
  DetachGroupPolicy: policies.detachGroupPolicy,
  DetachRolePolicy: policies.detachRolePolicy,
  ListAttachedUserPolicies: policies.listAttachedUserPolicies,
  ListAttachedGroupPolicies: policies.listAttachedGroupPolicies,
  ListAttachedRolePolicies: policies.listAttachedRolePolicies,
  PutUserPolicy: policies.putUserPolicy,
  PutGroupPolicy: policies.putGroupPolicy,
  PutRolePolicy: policies.putRolePolicy,
  GetUserPolicy: policies.getUserPolicy,
  GetGroupPolicy: policies.getGroupPolicy,
  GetRolePolicy: policies.getRolePolicy,
  ListUserPolicies: policies.listUserPolicies,
  ListGroupPolicies: policies.listGroupPolicies,
  ListRolePolicies: policies.listRolePolicies,
  DeleteUserPolicy: policies.deleteUserPolicy,
  DeleteGroupPolicy: policies.deleteGroupPolicy,
  DeleteRolePolicy: policies.deleteRolePolicy,
  PutUserPermissionsBoundary: policies.putUserPermissionsBoundary,
  PutRolePermissionsBoundary: policies.putRolePermissionsBoundary,
  DeleteUserPermissionsBoundary: policies.deleteUserPermissionsBoundary,
  DeleteRolePermissionsBoundary: policies.deleteRolePermissionsBoundary,
  ListEntitiesForPolicy: policies.listEntitiesForPolicy,
  GetAccountAuthorizationDetails: policies.getAccountAuthorizationDetails,
};

/** The IAM operations OpenTrail serves (the rest of the model answers InvalidAction). */
export const IAM_SERVED_OPERATIONS: readonly string[] = Object.keys(HANDLERS);

/** Reads that change nothing: CloudTrail marks them readOnly and records no responseElements. */
function isReadOnly(name: string): boolean {
  return /^(Get|List|Generate|Simulate)/.test(name);
}

/** EnableMFADevice with UserName optional: how the root user, which has no IAM user name, asks. */
const ROOT_ENABLE_MFA_MODEL: ServiceModel = (() => {
  const shapeName = IAM_MODEL.operations.EnableMFADevice?.input ?? '';
  const shape = IAM_MODEL.shapes[shapeName];
  if (!shape) return IAM_MODEL;
  const required = (shape.required ?? []).filter((member) => member !== 'UserName');
  return { ...IAM_MODEL, shapes: { ...IAM_MODEL.shapes, [shapeName]: { ...shape, required } } };
})();

/**
 * An operation's input by the IAM model. The one exception: the root user enables its own MFA
 * device with EnableMFADevice without UserName or with `<root_account>` (see mfa.ts); anyone
 * else gets the model's errors for both.
 */
function readIamInput(name: string, params: URLSearchParams, call: CallContext): Record<string, unknown> {
  if (name === 'EnableMFADevice' && isRootPrincipal(call.caller.principal)) {
    const userName = params.get('UserName');
    if (userName === null || userName === ROOT_USER_NAME) {
      params.delete('UserName');
      const input = readQueryInput(ROOT_ENABLE_MFA_MODEL, name, params);
      return userName === null ? input : { ...input, UserName: userName };
    }
  }
  return readQueryInput(IAM_MODEL, name, params);
}

/** Who calls IAM and when, as IamService takes it. */
function iamCallOf(call: CallContext): IamCall {
  const { principal, region } = call.caller;
  return {
    accountId: principal.accountId,
    partition: partitionOf(region),
    nowMs: call.nowMs,
    callerUserName: principal.userName,
  };
}

function iamOperation(
  name: string,
  handler: IamHandler | undefined,
  services: IamServices,
): Operation<Record<string, unknown>> {
  const readOnly = isReadOnly(name);
  return {
    name,
    eventSource: 'iam.amazonaws.com',
    action: `iam:${name}`,
    readOnly,
    category: 'Management',
    auditRegion: 'us-east-1',
    parse: (body, call) => readIamInput(name, parseQueryParams(body), call),
    // Served operations are authorized after parse on the resources they name (authorization.ts).
    ...(handler && IAM_AUTHORIZED_OPERATIONS.has(name)
      ? {
          authorization: (input: Record<string, unknown>, call: CallContext) =>
            iamAuthorization(name, input, services.iam, iamCallOf(call), call.caller.principal),
        }
      : {}),
    // The pipeline writes them in lower camel case, bounded (auditField).
    requestParameters: (input) =>
      input && Object.keys(input).length > 0 ? (recordOf(input) as Record<string, unknown>) : null,
    async handle(input, call: CallContext) {
      if (!handler) throw new ServiceError('InvalidAction', `OpenTrail does not implement ${name} yet.`);
      const result = await handler(input, { ...services, call: iamCallOf(call) });
      const recorded = result.record !== undefined ? result.record : (result.output ?? null);
      return {
        // Changes are recorded with what they answered (CreateUser's user), as AWS records them.
        responseElements:
          !readOnly && recorded !== null ? (recordOf(recorded) as Record<string, unknown>) : null,
        answer: () => writeQueryResponse(IAM_MODEL, name, result.output, call.requestId),
      };
    },
  };
}

export function iamEndpoint(services: IamServices, extraHandlers: Record<string, IamHandler> = {}): Endpoint {
  const handlers = { ...HANDLERS, ...extraHandlers };
  return {
    matches: (method, path) => method === 'POST' && path === '/',
    signingNames: ['iam'],
    maxBodyBytes: MAX_IAM_BODY_BYTES,
    requestContentTypes: [QUERY_CONTENT_TYPE],
    contentType: XML_CONTENT_TYPE,
    errorBody: (error, requestId) =>
      queryErrorAnswer(
        IAM_MODEL.xmlNamespace,
        queryErrorCode(error, iamWireCode(error.code)),
        error,
        requestId,
      ),
    route(_request, body) {
      const action = queryAction(IAM_MODEL, body);
      return iamOperation(action, handlers[action], services);
    },
  };
}
