/** The AWS backend: S3 through the AWS SDK, and lean signed HTTP for the hot reads. Imported by main.ts and cli/ only. */
export { S3ObjectStore, loadS3Sdk, type S3ObjectStoreOptions } from './s3-object-store.ts';
export { LeanGetter } from './lean-get.ts';
export { exchange, type HttpExchange } from './http-exchange.ts';
export {
  EMPTY_PAYLOAD_SHA256,
  encodeUriComponentV4,
  signRequestV4,
  type RequestToSign,
  type SigningCredentials,
  type SigningScope,
} from './sigv4-signer.ts';
