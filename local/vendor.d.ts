/** Minimal typings for the two npm emulators, which ship none. */

declare module 's3rver' {
  import type { Readable } from 'node:stream';
  /** Options of the s3rver constructor that this project uses. */
  export interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    allowMismatchedSignatures?: boolean;
    resetOnClose?: boolean;
  }
  /** An object being stored (s3rver's `S3Object`). */
  export interface S3rverObject {
    bucket: string;
    key: string;
    content: Buffer | Readable;
    metadata: Record<string, string>;
  }
  /** The filesystem store behind the server (the parts this project uses). */
  export interface S3rverStore {
    putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  }
  /** An S3-compatible server (Koa application). */
  export default class S3rver {
    public constructor(options: S3rverOptions);
    /** The store; the server's request handlers use this same object. */
    public readonly store: S3rverStore;
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
