import { x } from '@preview-lambda/contract';
export const y = x;
