import { PartialType } from '@nestjs/swagger';
import { CreateTargetDto } from './create-target.dto';

/** Any field of a target; nested objects (access, scope, sources) are replaced whole. */
export class UpdateTargetDto extends PartialType(CreateTargetDto, { skipNullProperties: false }) {}
