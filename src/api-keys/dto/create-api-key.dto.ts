import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsString, Length } from 'class-validator';
import { SCOPES, type Scope } from '../../auth/scope';
import { IsPlainName } from '../../common/http/is-plain-name.decorator';

export class CreateApiKeyDto {
  @ApiProperty({ description: 'What the key is for, shown in listings.', example: 'ci-pipeline', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @IsPlainName()
  name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['read'], description: 'admin ⊃ write ⊃ read' })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true })
  scopes!: Scope[];
}
