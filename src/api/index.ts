export {
  DEFAULT_PIPELINE_LIMITS,
  createApiServer,
  type PipelineDeps,
  type PipelineLimits,
} from './pipeline.ts';
export type { Endpoint, Operation, CallContext, Handled, RequestView } from './endpoint.ts';
export { cloudTrailEndpoint, MAX_API_BODY_BYTES } from './cloudtrail/endpoint.ts';
export type { CloudTrailServices, LakeContext } from './cloudtrail/operation.ts';
export { cloudTrailDataEndpoint } from './cloudtrail-data/endpoint.ts';
export { recordsEndpoint, MAX_RECORD_BODY_BYTES, type RecordResponse } from './records/endpoint.ts';
export { NextTokenCodec } from './next-token.ts';
export { iamEndpoint, IAM_SERVED_OPERATIONS, MAX_IAM_BODY_BYTES } from './iam/endpoint.ts';
export type { IamHandler, IamServices } from './iam/operation.ts';
export { mfaHandlers } from './iam/mfa.ts';
export { simulateHandlers } from './iam/simulate.ts';
export { stsEndpoint, MAX_STS_BODY_BYTES } from './sts/endpoint.ts';
export { organizationsEndpoint, MAX_ORGANIZATIONS_BODY_BYTES } from './organizations/endpoint.ts';
