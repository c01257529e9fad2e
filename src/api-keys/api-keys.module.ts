import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyAuthenticator } from '../auth/api-key-authenticator';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity])],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, { provide: ApiKeyAuthenticator, useExisting: ApiKeysService }],
  exports: [ApiKeysService, ApiKeyAuthenticator],
})
export class ApiKeysModule {}
