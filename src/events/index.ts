export * from './record.ts';
export * from './validate.ts';
export * from './split-records.ts';
export * from './lookup-fields.ts';
