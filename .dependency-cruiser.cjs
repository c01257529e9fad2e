/**
 * The dependency fence (`npm run check`): the rules the layering of DESIGN.md rests on.
 * `npx depcruise src --config .dependency-cruiser.cjs` names every import that breaks one.
 */
const FEATURES = 'src/(analyses|api-keys|auth|confirmations|events|findings|flow-files|health|integrations|metrics|paths|recovery|reports|simulations|snapshots|targets|ticketing|webhooks)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'engine-is-pure',
      comment:
        'src/engine knows AWS semantics and nothing else: it imports only itself, ipaddr.js and zod ' +
        '(and node:util, whose deep equality does no I/O).',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { pathNot: ['^src/engine/', '(^|/)node_modules/(ipaddr\\.js|zod)/', '^(node:)?util$'] },
    },
    {
      name: 'coded-error-is-dependency-free',
      comment:
        'src/engine/errors holds CodedError, the base of every error family (engine, AWS adapters, ' +
        'integrations, delivery, AppError): shared by all, so it imports nothing, not even the engine.',
      severity: 'error',
      from: { path: '^src/engine/errors/' },
      to: { pathNot: ['^src/engine/errors/'] },
    },
    {
      name: 'engine-types-are-its-own',
      comment: 'Not even types from outside: the engine must build and test on its own.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/(?!engine/)' },
    },
    {
      name: 'engine-has-no-cycles',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/engine/', circular: true },
    },
    {
      name: 'adapters-import-no-feature',
      comment: 'AWS adapters are called by features, never the other way round.',
      severity: 'error',
      from: { path: '^src/aws/' },
      to: { path: `^${FEATURES}` },
    },
    {
      name: 'outbound-http-imports-no-feature',
      comment: 'The SSRF-guarded client, its errors and the secret box are used by features, never the other way round.',
      severity: 'error',
      from: { path: '^src/outbound-http/' },
      to: { path: `^${FEATURES}` },
    },
    {
      name: 'delivery-runs-one-way',
      comment:
        'One envelope goes webhooks → channel → integrations / ticketing → outbound-http, and nothing runs back up: ' +
        'the Jira, ServiceNow and Slack clients and the ticket records know no webhook, and authentication knows ' +
        'keys only through its ApiKeyAuthenticator port.',
      severity: 'error',
      from: { path: '^src/(integrations|ticketing|auth)/' },
      to: { path: `^${FEATURES}`, pathNot: '^src/$1/' },
    },
    {
      name: 'features-own-their-tables',
      comment:
        "A feature's entities (its tables) are its own: another module reads them through the owner's " +
        'exported services, never by importing the entity (to query it or to register it in forFeature). ' +
        'Migrations and the database data source, which list every table, are the exception.',
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: '^src/database/' },
      to: { path: `^${FEATURES}.+\\.entity\\.ts$`, pathNot: '^src/$1/' },
    },
    {
      name: 'aws-sdk-loads-on-first-use',
      comment:
        "Loading the AWS SDK clients is most of a process's memory at start (about 200 MB of RSS), and a worker " +
        'that reads flow files and snapshot files needs none of them. Only src/aws/aws-sdk.ts loads them, on first ' +
        'use; everything else imports their types only (`import type`) and calls the loaders.',
      severity: 'error',
      from: { pathNot: '^src/aws/aws-sdk\\.ts$' },
      to: { path: '(^|/)node_modules/(@aws-sdk|@smithy)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'aws-sdk-loader-requires-on-use',
      comment: 'The loader itself only require()s the SDK inside its loaders: a static import would load it at start again.',
      severity: 'error',
      from: { path: '^src/aws/aws-sdk\\.ts$' },
      to: { path: '(^|/)node_modules/(@aws-sdk|@smithy)/', dependencyTypesNot: ['type-only', 'require'] },
    },
    {
      name: 'no-cycles',
      comment: 'No import cycle anywhere in src: a cycle means two files can only be understood together.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.spec\\.ts$' },
  },
};
