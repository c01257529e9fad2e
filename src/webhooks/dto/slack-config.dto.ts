import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class SlackConfigDto {
  @ApiProperty({
    writeOnly: true,
    example: 'https://hooks.slack.com/services/T000/B000/XXXX',
    description: 'The incoming webhook URL is a credential: stored encrypted, never returned.',
  })
  @IsString()
  @Length(8, 2000)
  webhookUrl!: string;
}
