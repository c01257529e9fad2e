import { NestFactory } from '@nestjs/core';
import { Option, type Command } from 'commander';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { SCOPES, type Scope } from '../auth/scope';
import { loadAppConfig } from '../config/app-config';
import { ConfigValidationError } from '../config/config-validation.error';
import { readEnvironment } from '../config/read-environment';
import { redactUrlCredentials } from '../common/logging/redact';
import { probePostgres } from '../database/probe-postgres';
import { ApiKeyCliModule } from './api-key-cli.module';
import { CliError } from './cli.error';
import { ExitCode } from './exit-code';
import { nameProblem } from '../common/http/is-plain-name.decorator';

interface CreateOptions {
  name: string;
  scope: Scope[];
  json?: boolean;
}

/**
 * `sgdoctor api-key create --scope admin [--name NAME] [--json]`: creates an API key directly in
 * the database named by DATABASE_URL (running pending migrations first) and prints it once.
 * This is how the first admin key is made when SGDOCTOR_ADMIN_API_KEY is not used.
 */
export function registerApiKeyCommand(program: Command): void {
  const apiKey = program.command('api-key').description('Manage API keys of the sgdoctor service (uses DATABASE_URL).');
  apiKey
    .command('create')
    .description('Create an API key and print it once; only its hash is stored.')
    .addOption(new Option('--scope <scope...>', 'scopes to grant (admin > write > read)').choices(SCOPES).makeOptionMandatory())
    .option('--name <name>', 'what the key is for', 'cli')
    .option('--json', 'print the created key as JSON')
    .action(async (options: CreateOptions) => {
      // Checked as the API checks a name: it is printed to this terminal and shown in listings.
      const problem = nameProblem(options.name);
      if (problem) throw new CliError(`--name ${problem}`, ExitCode.Usage);
      const created = await createApiKey(options.name, options.scope);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(created)}\n`);
      } else {
        process.stdout.write(
          `Created API key ${created.id} "${created.name}" with scopes ${created.scopes.join(', ')}.\n` +
            `Store it now, it is not shown again:\n${created.key}\n`,
        );
      }
    });
}

async function createApiKey(name: string, scopes: Scope[]) {
  let config;
  try {
    config = loadAppConfig(readEnvironment());
  } catch (error) {
    if (error instanceof ConfigValidationError) throw new CliError(error.message, ExitCode.Input);
    throw error;
  }
  const database = `PostgreSQL at ${redactUrlCredentials(config.database.url)} (DATABASE_URL)`;
  // Said at once and in one line, rather than after the connection retries a server makes.
  const unreachable = await probePostgres(config.database.url, config.database.connectTimeoutMs);
  if (unreachable) throw new CliError(`cannot reach ${database}: ${unreachable}`, ExitCode.Internal);
  let app;
  try {
    app = await NestFactory.createApplicationContext(ApiKeyCliModule.forRoot(config), { logger: false, abortOnError: false });
  } catch (error) {
    throw new CliError(`cannot use ${database}: ${firstLine(error)}`, ExitCode.Internal);
  }
  try {
    return await app.get(ApiKeysService).create(name, [...new Set(scopes)]);
  } finally {
    await app.close();
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
