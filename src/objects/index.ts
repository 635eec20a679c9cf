export * from './object-store.ts';
export { LocalDirObjectStore, readObjectFile } from './local-dir/local-dir-object-store.ts';
export { S3ObjectStore, loadS3Sdk, type S3ObjectStoreOptions } from './s3/s3-object-store.ts';
export { LeanGetter } from './s3/lean-get.ts';
export { exchange, type HttpExchange } from './s3/http-exchange.ts';
export {
  EMPTY_PAYLOAD_SHA256,
  encodeUriComponentV4,
  signRequestV4,
  type RequestToSign,
  type SigningCredentials,
  type SigningScope,
} from './s3/sigv4-signer.ts';
