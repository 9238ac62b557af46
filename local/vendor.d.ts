/** Minimal typings for the two npm emulators, which ship none. */

declare module 's3rver' {
  /** Options of the s3rver constructor that this project uses. */
  export interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    allowMismatchedSignatures?: boolean;
    resetOnClose?: boolean;
  }
  /** An S3-compatible server (Koa application). */
  export default class S3rver {
    public constructor(options: S3rverOptions);
    /** Starts listening; resolves with the bound address. */
    public run(): Promise<{ address: string; port: number }>;
    /** Stops listening. */
    public close(): Promise<void>;
  }
}

declare module 'dynalite' {
  import type { Server } from 'node:http';
  /** Options of the dynalite factory that this project uses. */
  export interface DynaliteOptions {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    verbose?: boolean;
    path?: string;
  }
  /** Creates a DynamoDB-compatible HTTP server (not yet listening). */
  export default function dynalite(options?: DynaliteOptions): Server;
}
