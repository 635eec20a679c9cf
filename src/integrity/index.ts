export * from './digest-file.ts';
export * from './signing-keys.ts';
