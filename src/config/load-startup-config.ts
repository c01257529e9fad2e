import { loadAppConfig, type AppConfig } from './app-config';
import { ConfigValidationError } from './config-validation.error';
import { readEnvironment } from './read-environment';

/**
 * The validated config for a process entry point. A bad setting ends the process here, before
 * anything connects, with one line per offending variable.
 */
export function loadStartupConfig(): AppConfig {
  try {
    return loadAppConfig(readEnvironment());
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
