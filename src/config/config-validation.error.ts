import type { z } from 'zod';

export interface ConfigProblem {
  setting: string;
  message: string;
}

/** A start-up error listing each environment variable that is wrong and why. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.setting}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }

  static fromIssues(issues: z.core.$ZodIssue[]): ConfigValidationError {
    return new ConfigValidationError(
      issues.map((issue) => ({ setting: issue.path.map(String).join('.') || '(environment)', message: issue.message })),
    );
  }
}
