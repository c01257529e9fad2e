import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationError } from '../common/errors/validation.error';

/** Versions 1-8 with the RFC variant, or the Nil and Max UUIDs (RFC 9562), as ParseUUIDPipe takes them. */
const UUID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/i;

/** A UUID path parameter, else a 400 naming the parameter (`id`, `deliveryId`, `runId` …). */
@Injectable()
export class UuidParamPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value === 'string' && UUID.test(value)) return value;
    const field = metadata.data ?? 'id';
    throw new ValidationError([{ field, message: `${field} must be a UUID` }]);
  }
}

/** `:id`-like path parameters of targets, analyses, findings, webhooks and reports. */
export const uuidParam = new UuidParamPipe();
