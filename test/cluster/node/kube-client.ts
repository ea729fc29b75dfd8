// A small Kubernetes API client for the node's daemons: HTTPS with the cluster's CA and bearer token,
// over TCP or the unix socket DIR/apiserver.sock (which reaches the host from inside tp-node).
import fs from 'node:fs';
import https from 'node:https';

import { currentInstance } from '../instance.js';
import { statePaths } from '../state.js';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export class KubeClient {
  private readonly agent: https.Agent;

  constructor(
    private readonly opts: { ca: string; token: string; socketPath?: string; port?: number },
  ) {
    this.agent = new https.Agent({ keepAlive: true, ca: opts.ca });
  }

  static fromStateDir(dir: string, via: 'tcp' | 'unix'): KubeClient {
    const p = statePaths(dir);
    return new KubeClient({
      ca: fs.readFileSync(p.caCrt, 'utf8'),
      token: fs.readFileSync(p.token, 'utf8').trim(),
      socketPath: via === 'unix' ? p.apiserverSock : undefined,
      port: currentInstance().apiPort,
    });
  }

  private open(method: string, path: string, headers: Record<string, string>): https.RequestOptions {
    const base = { method, path, agent: this.agent, headers: { ...headers, authorization: `Bearer ${this.opts.token}` } };
    return this.opts.socketPath
      ? { ...base, socketPath: this.opts.socketPath, host: 'localhost', servername: 'localhost' }
      : { ...base, host: '127.0.0.1', port: this.opts.port ?? currentInstance().apiPort };
  }

  /** One request; a non-2xx answer throws ApiError with the Status message. */
  request<T = KubeObject>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = https.request(this.open(method, path, headers), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text for the error message
          }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) return resolve(parsed as T);
          const message = (parsed as { message?: string }).message ?? text;
          reject(new ApiError(code, `${method} ${path}: ${code} ${message}`));
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A watch stream; `onEvent` per event, `onEnd` once when it ends for any reason. */
  watch<T>(path: string, onEvent: (e: WatchEvent<T>) => void, onEnd: (err?: Error) => void): { stop(): void } {
    let ended = false;
    const end = (err?: Error) => {
      if (!ended) {
        ended = true;
        onEnd(err);
      }
    };
    const req = https.request(this.open('GET', path, { accept: 'application/json' }), (res) => {
      if ((res.statusCode ?? 0) >= 300) {
        res.resume();
        return end(new ApiError(res.statusCode ?? 0, `watch ${path}: ${res.statusCode}`));
      }
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
        }
      });
      res.on('end', () => end());
      res.on('error', end);
    });
    req.on('error', end);
    req.end();
    return { stop: () => req.destroy() };
  }
}

export function objectKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
