/**
 * Every error the local tools raise on purpose, in one module as in the other packages: literal names,
 * native `ErrorOptions`. None of them is ever deployed.
 *
 * @module
 */
import { join } from 'node:path';
import type { NginxModule } from './nginx-modules.js';

/** nginx is not installed. */
export class NginxNotFoundError extends Error {
  public constructor() {
    super(
      process.env.NGINX_BIN
        ? `nginx is not executable at NGINX_BIN=${process.env.NGINX_BIN}`
        : 'nginx is not installed (looked on PATH and in /usr/sbin); e.g. sudo apt-get install nginx',
    );
    this.name = 'NginxNotFoundError';
  }
}

/** An nginx of an earlier run still uses the prefix directory. */
export class StaleNginxError extends Error {
  public readonly pid: number;

  public constructor(prefixDir: string, pid: number) {
    super(`an nginx of an earlier run still uses ${prefixDir} (pid ${pid}); stop it with: kill -QUIT ${pid}`);
    this.name = 'StaleNginxError';
    this.pid = pid;
  }
}

/** A TCP port is already taken. */
export class PortInUseError extends Error {
  public readonly host: string;
  public readonly port: number;

  public constructor(what: string, host: string, port: number, hint = '') {
    super(`${what}: ${host}:${port} is already in use${hint === '' ? '' : `; ${hint}`}`);
    this.name = 'PortInUseError';
    this.host = host;
    this.port = port;
  }
}

/** A module the template needs is neither compiled into nginx nor in its modules directory. */
export class NginxModuleNotFoundError extends Error {
  public readonly module: NginxModule;

  public constructor(module: NginxModule, nginxPath: string, modulesDirectory: string) {
    super(
      `nginx (${nginxPath}) lacks the ${module.name} module (${module.usedFor}): ` +
        `${join(modulesDirectory, module.file)} does not exist; ` +
        `on Debian or Ubuntu: sudo apt-get install ${module.debianPackage}`,
    );
    this.name = 'NginxModuleNotFoundError';
    this.module = module;
  }
}

/** An error of the Invoke API itself, answered with its status, `x-amzn-ErrorType` and a JSON body. */
export class InvokeApiError extends Error {
  public constructor(
    public readonly status: number,
    public readonly errorType: string,
    message: string,
    public readonly fields: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'InvokeApiError';
  }
}

/** A log line that is not an EMF blob, or one that breaks the EMF specification (`emf.ts`). */
export class EmfFormatError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmfFormatError';
  }
}
