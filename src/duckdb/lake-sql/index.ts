export { LakeQueryError, type LakeQueryErrorCode } from './errors.ts';
export {
  translateLakeQuery,
  LakeTranslator,
  DEFAULT_TRANSLATION_CACHE_ENTRIES,
  type LakeTranslatorOptions,
} from './translate.ts';
export { MAX_STATEMENT_CHARS } from './check-statement.ts';
export type { StoreResolver, LakeTranslation } from './lake-translation.ts';
export { installLakeFunctions } from './install.ts';
export { LAKE_FUNCTIONS } from './functions.ts';
export { formatLakeValue } from './format-value.ts';
export { lakeColumnName, lakeColumnNames } from './column-names.ts';
export { QUERY_CONNECTION_SETTINGS, queryConnectionSettings } from './settings.ts';
export { eventsMatchedOf } from './profile.ts';
