import { ValidationPipe, type ValidationError as ClassValidatorError } from '@nestjs/common';
import type { FieldError } from '../errors/app.error';
import { ValidationError } from '../errors/validation.error';

/**
 * The global DTO validation: unknown properties are refused, values are transformed to the DTO's
 * types, and a failure becomes a ValidationError listing every offending field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationError(flattenErrors(errors)),
  });
}

function flattenErrors(errors: ClassValidatorError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenErrors(error.children ?? [], field)];
  });
}
