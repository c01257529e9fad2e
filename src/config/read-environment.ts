import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The process environment, with a `.env` file in the working directory filling in variables
 * that are not already set (the real environment always wins).
 */
export function readEnvironment(cwd = process.cwd()): Record<string, string | undefined> {
  const envFile = resolve(cwd, '.env');
  if (existsSync(envFile)) {
    process.loadEnvFile(envFile);
  }
  return { ...process.env };
}
