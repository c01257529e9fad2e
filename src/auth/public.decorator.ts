import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'sgdoctor:public';

/** Opens a route or controller to callers without an API key (health, metrics, docs). */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
