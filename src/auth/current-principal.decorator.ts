import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { PRINCIPAL_PROPERTY, type Principal, type RequestWithPrincipal } from './principal';

/** Injects the authenticated Principal into a controller method. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal | undefined => {
  return context.switchToHttp().getRequest<RequestWithPrincipal>()[PRINCIPAL_PROPERTY];
});
