import { OmitType, PartialType } from '@nestjs/swagger';
import { CreateWebhookDto } from './create-webhook.dto';

/** Any field but the format, never `null`; an integration block given here replaces the stored one, credentials included. */
export class UpdateWebhookDto extends PartialType(OmitType(CreateWebhookDto, ['format'] as const), { skipNullProperties: false }) {}
