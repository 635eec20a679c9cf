export * from './record.ts';
export * from './validate.ts';
export * from './split-records.ts';
export * from './lookup-fields.ts';
export {
  formatArn,
  isAccountId,
  isRegionName,
  parseArn,
  partitionOf,
  type Arn,
  type Partition,
} from './arn.ts';
export { MAX_TAGS_PER_RESOURCE, mergeTags, parseTagsList, removeTags, type Tag } from './tags.ts';
export { REGIONS_BY_PARTITION, isKnownRegion } from './regions.ts';
