import { ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * The property may be left out; when it is present it is validated, `null` included. Unlike
 * `@IsOptional()`, which lets `null` through unchecked: on an update that would store `null`
 * in a column that has no such value.
 */
export function IsOmittable(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: unknown, value: unknown) => value !== undefined, options);
}
