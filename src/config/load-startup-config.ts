import { loadAppConfig, type AppConfig } from './app-config';
import { ConfigValidationError } from './config-validation.error';
import { readEnvironment } from './read-environment';

/** A process refused to start on a bad setting; what was wrong has been printed. */
export class StartupRefused extends Error {
  constructor() {
    super('refused to start on a bad setting');
  }
}

/**
 * The validated config for a process entry point. A bad setting is printed here, one line per
 * offending variable, before anything connects, and StartupRefused thrown: the entry point ends
 * the process with exit code 1.
 */
export function loadStartupConfig(): AppConfig {
  try {
    return loadAppConfig(readEnvironment());
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      console.error(error.message);
      throw new StartupRefused();
    }
    throw error;
  }
}
