export { createApiServer, type ApiDeps } from './server.ts';
export { NextTokenCodec } from './next-token.ts';
export type { RecordResponse } from './record-endpoint.ts';
