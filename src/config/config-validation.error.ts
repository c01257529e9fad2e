import type { z } from 'zod';
import { CodedError } from '../engine/errors/coded-error';

export interface ConfigProblem {
  setting: string;
  message: string;
}

/** A start-up error listing each environment variable that is wrong and why. */
export class ConfigValidationError extends CodedError<'CONFIG.INVALID'> {
  constructor(readonly problems: ConfigProblem[]) {
    super('CONFIG.INVALID', `Invalid configuration:\n${problems.map((p) => `  ${p.setting}: ${p.message}`).join('\n')}`);
  }

  static fromIssues(issues: z.core.$ZodIssue[]): ConfigValidationError {
    return new ConfigValidationError(
      issues.map((issue) => ({ setting: issue.path.map(String).join('.') || '(environment)', message: issue.message })),
    );
  }
}
