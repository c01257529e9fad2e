import { ParseUUIDPipe } from '@nestjs/common';
import { ValidationError } from '../common/errors/validation.error';

/** `:id` path parameters of targets, analyses and findings: a UUID, else a 400 naming the field. */
export const uuidParam = new ParseUUIDPipe({
  exceptionFactory: () => new ValidationError([{ field: 'id', message: 'id must be a UUID' }]),
});
