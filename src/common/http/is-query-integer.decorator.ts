import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

/** A whole number in decimal digits, with an optional minus sign: no spaces, exponents, fractions or hex. */
const DECIMAL_INTEGER = /^-?\d{1,15}$/;

/**
 * A query parameter that is an integer from `min` to `max`, written in decimal digits. Anything
 * else (`abc`, `1.5`, `1e2`, an empty value, which a Number conversion would read as 0) gets the
 * one message `<name> must be an integer from <min> to <max>`, where IsInt, Min and Max would each
 * add theirs, and the first of them might not be the one that applies.
 */
export function IsQueryInteger(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value)),
    ValidateBy({
      name: 'isQueryInteger',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
        defaultMessage: () => `$property must be an integer from ${min} to ${max}`,
      },
    }),
  );
}
