export { createApiServer, type PipelineDeps } from './pipeline.ts';
export type { Endpoint, Operation, CallContext, Handled, RequestView } from './endpoint.ts';
export { cloudTrailEndpoint, MAX_API_BODY_BYTES } from './cloudtrail/endpoint.ts';
export type { CloudTrailServices, LakeContext } from './cloudtrail/operation.ts';
export { cloudTrailDataEndpoint } from './cloudtrail-data/endpoint.ts';
export { recordsEndpoint, MAX_RECORD_BODY_BYTES, type RecordResponse } from './records/endpoint.ts';
export { NextTokenCodec } from './next-token.ts';
