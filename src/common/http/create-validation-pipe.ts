import { ValidationPipe, type ArgumentMetadata, type ValidationError as ClassValidatorError } from '@nestjs/common';
import type { FieldError } from '../errors/app.error';
import { ValidationError } from '../errors/validation.error';
import { findHostileInput } from './request-input.guard';

const CHECKED_INPUTS = new Set<ArgumentMetadata['type']>(['body', 'query', 'param']);

/**
 * The global DTO validation: unknown properties are refused, values are transformed to the DTO's
 * types, and a failure becomes a ValidationError listing every offending field. Before any of
 * that, input nested too deep or carrying NUL characters is refused (see findHostileInput).
 */
export function createValidationPipe(): ValidationPipe {
  return new InputValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationError(flattenErrors(errors)),
  });
}

class InputValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (CHECKED_INPUTS.has(metadata.type)) {
      const hostile = findHostileInput(metadata.type === 'param' && metadata.data ? { [metadata.data]: value } : value);
      if (hostile) throw new ValidationError([hostile], `The request's ${metadata.type} ${hostile.field} ${hostile.message}.`);
    }
    return super.transform(value, metadata);
  }
}

function flattenErrors(errors: ClassValidatorError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenErrors(error.children ?? [], field)];
  });
}
