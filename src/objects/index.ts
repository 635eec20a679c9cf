export * from './object-store.ts';
export { LocalDirObjectStore } from './local-dir/local-dir-object-store.ts';
export { S3ObjectStore, loadS3Sdk, type S3ObjectStoreOptions } from './s3/s3-object-store.ts';
