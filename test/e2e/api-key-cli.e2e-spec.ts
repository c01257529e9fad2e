import { join } from 'node:path';
import { Command } from 'commander';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAppConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/database-options';
import { hashApiKey } from '../../src/api-keys/api-key-secret';
import { registerApiKeyCommand } from '../../src/cli/api-key.command';
import { createTestDatabase, dropTestDatabase, testDatabaseUrl, uniqueTestName } from '../support/app/test-database';
import { loadMigrationClasses } from '../support/app/test-migrations';
import { builtDistDir, startProcess } from '../support/app/built-app';
import { sparePort } from '../support/app/throwaway-services';

describe('sgdoctor api-key create', () => {
  const database = uniqueTestName('cli');
  const previousUrl = process.env.DATABASE_URL;

  // The command migrates from compiled files (dist/migrations); on sources the test migrates first.
  beforeAll(async () => {
    const url = await createTestDatabase(database);
    const options = buildDataSourceOptions(loadAppConfig({ DATABASE_URL: url }).database, { migrations: await loadMigrationClasses() });
    const dataSource = await new DataSource(options).initialize();
    await dataSource.runMigrations();
    await dataSource.destroy();
  });

  afterAll(async () => {
    if (previousUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previousUrl;
    await dropTestDatabase(database);
  });

  it('prints an admin key once, storing only its hash', async () => {
    process.env.DATABASE_URL = testDatabaseUrl(database);
    const program = new Command('sgdoctor').exitOverride();
    registerApiKeyCommand(program);
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await program.parseAsync(['node', 'sgdoctor', 'api-key', 'create', '--scope', 'admin', '--name', 'first-admin', '--json']);
    } finally {
      write.mockRestore();
    }
    const created = JSON.parse(written.join('')) as { id: string; key: string; scopes: string[]; name: string };
    expect(created).toMatchObject({ name: 'first-admin', scopes: ['admin'] });
    expect(created.key).toMatch(/^sgd_/);

    const client = new Client({ connectionString: testDatabaseUrl(database) });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT secret_hash FROM api_keys WHERE id = $1', [created.id]);
      expect(rows).toEqual([{ secret_hash: hashApiKey(created.key) }]);
    } finally {
      await client.end();
    }
  });

  it('refuses an unknown scope', async () => {
    const program = new Command('sgdoctor').exitOverride();
    registerApiKeyCommand(program);
    for (const command of program.commands) command.exitOverride();
    program.commands[0].commands[0].exitOverride().configureOutput({ writeErr: () => undefined });
    await expect(program.parseAsync(['node', 'sgdoctor', 'api-key', 'create', '--scope', 'root'])).rejects.toThrow(/root/);
  });

  it.each([
    ['an escape sequence', 'b\u001b[31mred'],
    ['a line break', 'ok\nFAKE LINE'],
  ])('refuses a name with %s as a usage error, before touching the database', async (_case, name) => {
    process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:1/none';
    const program = new Command('sgdoctor').exitOverride();
    registerApiKeyCommand(program);
    await expect(program.parseAsync(['node', 'sgdoctor', 'api-key', 'create', '--scope', 'read', '--name', name])).rejects.toMatchObject({
      message: '--name must not contain control characters (line breaks, tabs, escape sequences, bidirectional overrides)',
      exitCode: 2,
    });
  });

  it('with PostgreSQL down: one line naming the database (password hidden), exit 5, at once', async () => {
    const port = await sparePort();
    const cli = startProcess(join(builtDistDir(), 'cli', 'main.js'), ['api-key', 'create', '--scope', 'admin'], {
      DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${port}/sgdoctor`,
    });
    const startedAt = performance.now();
    const { code } = await cli.exited;
    expect(code).toBe(5);
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    expect(cli.lines).toEqual([]);
    const stderr = cli.stderrText();
    expect(stderr).toBe(
      `sgdoctor: cannot reach PostgreSQL at postgres://postgres:[REDACTED]@127.0.0.1:${port}/sgdoctor (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
  }, 180_000);
});
