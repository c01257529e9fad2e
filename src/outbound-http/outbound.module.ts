import { Module } from '@nestjs/common';
import { systemResolver } from './ssrf-guard';
import { HOST_RESOLVER, OutboundHttpService } from './outbound-http.service';
import { SecretBoxService } from './secret-box.service';

/** The SSRF-guarded HTTP client and the secret cipher, shared by every feature that calls a user's URL. */
@Module({
  providers: [{ provide: HOST_RESOLVER, useValue: systemResolver }, OutboundHttpService, SecretBoxService],
  exports: [OutboundHttpService, SecretBoxService],
})
export class OutboundModule {}
