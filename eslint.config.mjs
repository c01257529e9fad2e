// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports that would make the engine do I/O or depend on a framework. */
const ENGINE_FORBIDDEN = [
  { group: ['@nestjs/*'], message: 'src/engine is pure: no NestJS.' },
  { group: ['typeorm', 'typeorm/*', 'pg', 'pg/*'], message: 'src/engine is pure: no database.' },
  { group: ['bullmq', 'ioredis'], message: 'src/engine is pure: no queues or Redis.' },
  { group: ['@aws-sdk/*'], message: 'src/engine is pure: no AWS SDK (adapters live in src/aws).' },
  { group: ['fs', 'node:fs', 'fs/*', 'node:fs/*'], message: 'src/engine is pure: no file system (readers live in src/flow-files).' },
  { group: ['http', 'node:http', 'https', 'node:https', 'undici', 'net', 'node:net'], message: 'src/engine is pure: no network.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'dist-samples/**', 'dist-eval/**', 'node_modules/**', 'coverage/**', 'bench/.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    // Services throw AppError subclasses; only the problem+json filter knows HTTP statuses.
    files: ['src/**/*.service.ts', 'src/**/*.processor.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@nestjs/common',
              importNames: ['HttpException', 'BadRequestException', 'NotFoundException', 'ForbiddenException', 'UnauthorizedException', 'ConflictException'],
              message: 'Throw an AppError subclass (src/common/errors).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ENGINE_FORBIDDEN }] },
  },
  {
    // Tests read untyped JSON response bodies; production code stays free of `any`.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The one place that loads the AWS SDK: `require` on first use instead of an import at start
    // (the dependency fence keeps every other runtime import of the SDK out of src).
    files: ['src/aws/aws-sdk.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // CommonJS config files of tools (dependency-cruiser).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // Config files of tools that require a default export.
    files: ['vitest.config.ts', 'vitest.faults.config.ts', 'eslint.config.mjs'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
