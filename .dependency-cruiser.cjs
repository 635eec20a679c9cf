/**
 * Dependency rules (npm run lint): ports in domains, adapters at the edge, a pure core, no cycles.
 * docs/ARCHITECTURE.md explains the layout these rules keep.
 */
const ADAPTERS = '^src/(duckdb|local|aws)/';
const TESTS = '(\\.test\\.ts|\\.test-helpers\\.ts|\\.contract\\.ts|/test-support\\.ts)$';
/** The pure core: no I/O, no adapters, no wire protocol. */
const PURE_CORE = '^src/(events|trails|integrity|iam/policy)/';
const IO_MODULES =
  '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|dns|tls|cluster|worker_threads)$|^@duckdb/|^@aws-sdk/|^@smithy/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Import cycles hide which module owns a concept; cut them with a port in the owning domain.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'adapters-only-from-the-edge',
      severity: 'error',
      comment:
        'Adapters (duckdb/, local/, aws/) are wired by the composition root (src/main.ts) and the CLI only; domains depend on ports.',
      from: { path: '^src/', pathNot: [ADAPTERS, '^src/main\\.ts$', '^src/cli/', TESTS] },
      to: { path: ADAPTERS },
    },
    {
      name: 'pure-core-no-io',
      severity: 'error',
      comment:
        'The pure core (events/, trails/, integrity/, iam/policy/) does no I/O: clock, randomness and bytes come in as parameters.',
      from: { path: PURE_CORE, pathNot: TESTS },
      to: { path: IO_MODULES, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'pure-core-no-edges',
      severity: 'error',
      comment: 'The pure core imports no adapter, wire protocol, CLI or composition root.',
      from: { path: PURE_CORE, pathNot: TESTS },
      to: {
        path: [ADAPTERS, '^src/api/', '^src/cli/', '^src/main\\.ts$', '^src/(delivery|ingest|query|store)/'],
      },
    },
    {
      name: 'api-only-from-the-edge',
      severity: 'error',
      comment:
        'Only the composition root and the CLI know the wire protocols; domains answer with ServiceError.',
      from: { path: '^src/', pathNot: ['^src/api/', '^src/main\\.ts$', '^src/cli/', TESTS] },
      to: { path: '^src/api/' },
    },
    {
      name: 'src-not-into-tests',
      severity: 'error',
      comment: 'Production code never imports test code or fixtures.',
      from: { path: '^src/', pathNot: TESTS },
      to: { path: ['^test/', TESTS] },
    },
    {
      name: 'declared-dependencies',
      severity: 'error',
      comment: 'Every package imported is declared in package.json.',
      from: { path: '^(src|bin|bench|test)/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown', 'unknown', 'undetermined'] },
    },
    {
      name: 'no-dev-dependencies-in-src',
      severity: 'error',
      comment: 'What src/ imports at run time is a runtime dependency.',
      from: { path: '^src/', pathNot: TESTS },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|test/fixtures|src/duckdb/lake-sql/fixtures)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    skipAnalysisNotInRules: true,
  },
};
