import { applyDecorators } from '@nestjs/common';
import { IsDateString, IsRFC3339 } from 'class-validator';

/**
 * An instant in RFC 3339 form: a date, a time and the offset that places it (`Z` or `±hh:mm`),
 * a real calendar date. A date or a time without an offset names no instant: JavaScript reads
 * `2026-11-24T00:00:00` in the server's own time zone, so the same request would mean a
 * different window on each server.
 */
export function IsInstant(): PropertyDecorator {
  return applyDecorators(
    IsRFC3339({
      message: ({ property }) => `${property} must be an RFC 3339 date-time with a time zone offset, e.g. 2026-11-24T00:00:00Z`,
    }),
    IsDateString({ strict: true }),
  );
}
