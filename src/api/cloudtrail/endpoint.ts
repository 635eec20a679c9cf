/**
 * The CloudTrail API (AWS JSON 1.1): POST / with `X-Amz-Target:
 * com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Operation>`, signing name cloudtrail.
 * Every operation of the service model is routed and audited; those OpenTrail has not built yet
 * answer UnknownOperationException (and are recorded as such).
 */
import { ServiceError } from '../../errors.ts';
import { parseJsonObjectBody } from '../../input.ts';
import type { CallContext, Endpoint, Operation } from '../endpoint.ts';
import { cloudTrailAuthorization } from './authorization.ts';
import { createChannel, deleteChannel, getChannel, listChannels, updateChannel } from './channels.ts';
import {
  deregisterOrganizationDelegatedAdmin,
  registerOrganizationDelegatedAdmin,
} from './delegated-admins.ts';
import {
  createEventDataStore,
  deleteEventDataStore,
  getEventDataStore,
  listEventDataStores,
  restoreEventDataStore,
  startEventDataStoreIngestion,
  stopEventDataStoreIngestion,
  updateEventDataStore,
} from './event-data-stores.ts';
import { getImport, listImportFailures, listImports, startImport, stopImport } from './imports.ts';
import { lookupEvents } from './lookup-events.ts';
import type { CloudTrailServices, OperationHandler } from './operation.ts';
import {
  CLOUDTRAIL_OPERATIONS,
  isReadOnlyOperation,
  operationOfTarget,
  type CloudTrailOperation,
} from './operations.ts';
import { listPublicKeys } from './public-keys.ts';
import { deleteResourcePolicy, getResourcePolicy, putResourcePolicy } from './resource-policies.ts';
import { cancelQuery, describeQuery, getQueryResults, listQueries, startQuery } from './queries.ts';
import { addTags, listTags, removeTagsOperation } from './tags.ts';
import {
  createTrail,
  deleteTrail,
  describeTrails,
  getEventSelectors,
  getTrail,
  getTrailStatus,
  listTrails,
  putEventSelectors,
  startLogging,
  stopLogging,
  updateTrail,
} from './trails.ts';

/** The largest CloudTrail API request body accepted. */
export const MAX_API_BODY_BYTES = 1024 * 1024;

const CONTENT_TYPE = 'application/x-amz-json-1.1';

const HANDLERS: Partial<Record<CloudTrailOperation, OperationHandler>> = {
  LookupEvents: lookupEvents,
  CreateTrail: createTrail,
  UpdateTrail: updateTrail,
  DeleteTrail: deleteTrail,
  GetTrail: getTrail,
  DescribeTrails: describeTrails,
  ListTrails: listTrails,
  GetTrailStatus: getTrailStatus,
  StartLogging: startLogging,
  StopLogging: stopLogging,
  PutEventSelectors: putEventSelectors,
  GetEventSelectors: getEventSelectors,
  AddTags: addTags,
  RemoveTags: removeTagsOperation,
  ListTags: listTags,
  ListPublicKeys: listPublicKeys,
  CreateEventDataStore: createEventDataStore,
  GetEventDataStore: getEventDataStore,
  ListEventDataStores: listEventDataStores,
  UpdateEventDataStore: updateEventDataStore,
  DeleteEventDataStore: deleteEventDataStore,
  RestoreEventDataStore: restoreEventDataStore,
  StartEventDataStoreIngestion: startEventDataStoreIngestion,
  StopEventDataStoreIngestion: stopEventDataStoreIngestion,
  StartQuery: startQuery,
  DescribeQuery: describeQuery,
  GetQueryResults: getQueryResults,
  ListQueries: listQueries,
  CancelQuery: cancelQuery,
  CreateChannel: createChannel,
  GetChannel: getChannel,
  ListChannels: listChannels,
  UpdateChannel: updateChannel,
  DeleteChannel: deleteChannel,
  StartImport: startImport,
  GetImport: getImport,
  ListImports: listImports,
  StopImport: stopImport,
  ListImportFailures: listImportFailures,
  PutResourcePolicy: putResourcePolicy,
  GetResourcePolicy: getResourcePolicy,
  DeleteResourcePolicy: deleteResourcePolicy,
  RegisterOrganizationDelegatedAdmin: registerOrganizationDelegatedAdmin,
  DeregisterOrganizationDelegatedAdmin: deregisterOrganizationDelegatedAdmin,
};

function isCloudTrailOperation(name: string | undefined): name is CloudTrailOperation {
  return name !== undefined && (CLOUDTRAIL_OPERATIONS as readonly string[]).includes(name);
}

function cloudTrailOperation(
  name: CloudTrailOperation,
  services: CloudTrailServices,
): Operation<Record<string, unknown>> {
  const readOnly = isReadOnlyOperation(name);
  return {
    name,
    eventSource: 'cloudtrail.amazonaws.com',
    action: `cloudtrail:${name}`,
    readOnly,
    category: 'Management',
    parse: (body) => parseJsonObjectBody(body),
    authorization: (input, call) => cloudTrailAuthorization(name, input, services, call),
    // The pipeline writes them in lower camel case, bounded (auditField).
    requestParameters: (input) => (input && Object.keys(input).length > 0 ? input : null),
    async handle(input, call: CallContext) {
      const handler = HANDLERS[name];
      if (!handler) {
        throw new ServiceError('UnknownOperationException', `OpenTrail does not implement ${name} yet.`);
      }
      const output = await handler(input, {
        ...services,
        caller: call.caller,
        nowMs: call.nowMs,
        onRecorded: (fn) => call.onRecorded(fn),
      });
      return {
        // Changes are recorded with what they answered, as AWS records e.g. CreateTrail's trail.
        responseElements: !readOnly && Object.keys(output).length > 0 ? output : null,
        answer: () => output,
      };
    },
  };
}

export function cloudTrailEndpoint(services: CloudTrailServices): Endpoint {
  return {
    matches: (method, path) => method === 'POST' && path === '/',
    signingNames: ['cloudtrail'],
    maxBodyBytes: MAX_API_BODY_BYTES,
    requestContentTypes: [CONTENT_TYPE],
    contentType: CONTENT_TYPE,
    route(request) {
      const target = request.headers['x-amz-target']?.[0];
      const name = operationOfTarget(target);
      if (!isCloudTrailOperation(name)) {
        throw new ServiceError(
          'UnknownOperationException',
          `Unknown operation ${target ?? '(no X-Amz-Target)'}.`,
        );
      }
      return cloudTrailOperation(name, services);
    },
  };
}
