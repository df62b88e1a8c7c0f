import pg from 'pg';
import type { Logger } from '../../domain/logger.js';
import { clientConfig } from './connection.js';

export const CHANGES_CHANNEL = 'cg_changes';
export const LEASES_CHANNEL = 'cg_leases';

export interface FeedOptions {
  url: string;
  log: Logger;
  /** Reads and applies every change after the last one seen; called on NOTIFY, on reconnect and on the poll. */
  catchUp: () => Promise<void>;
  /** A lease was released somewhere: its waiters may try again. */
  onLeaseReleased: (key: string) => void;
  /** Poll even when notifications flow (a safety net for a lost one), default 5 s; 1 s while disconnected. */
  pollMs?: number;
}

/**
 * One dedicated connection that LISTENs for changes and lease releases (a pooled connection cannot
 * LISTEN: it is handed to others between queries). When the connection drops (database restart),
 * it reconnects with backoff and catches up, and polls the feed meanwhile, so nothing is missed.
 */
export class ChangeListener {
  #client: pg.Client | undefined;
  #closed = false;
  #connected = false;
  #timer: NodeJS.Timeout | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #backoffMs = 100;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(private readonly opts: FeedOptions) {}

  get connected(): boolean {
    return this.#connected;
  }

  async start(): Promise<void> {
    await this.#connect();
    this.#schedulePoll();
  }

  /** Coalesces overlapping requests: at most one catch-up runs, and one more follows if asked meanwhile. */
  kick(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.opts.catchUp();
        } catch (e) {
          this.opts.log.debug({ err_code: (e as { code?: string }).code }, 'change feed catch-up failed; will retry');
          break;
        }
      } while (this.#again && !this.#closed);
    })().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ ...clientConfig({ url: this.opts.url, log: this.opts.log, applicationName: 'connector-gateway-listener' }), query_timeout: 10_000 });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (n) => {
      if (n.channel === CHANGES_CHANNEL) void this.kick();
      else if (n.channel === LEASES_CHANNEL && n.payload) this.opts.onLeaseReleased(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}; LISTEN ${LEASES_CHANNEL}`);
    } catch (e) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      client.on('error', () => {});
      this.#lost(client, e);
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    const wasDown = !this.#connected;
    this.#connected = true;
    this.#backoffMs = 100;
    if (wasDown) this.opts.log.debug({}, 'change feed listening');
    // Whatever was committed while not listening is read now.
    void this.kick();
  }

  #lost(client: pg.Client, cause?: unknown): void {
    if (this.#client && this.#client !== client) return;
    this.#client = undefined;
    if (this.#connected) this.opts.log.warn({ err_code: (cause as { code?: string } | undefined)?.code }, 'change feed connection lost; polling until it is back');
    this.#connected = false;
    if (this.#closed || this.#reconnect) return;
    this.#reconnect = setTimeout(() => {
      this.#reconnect = undefined;
      void this.#connect();
    }, this.#backoffMs);
    this.#reconnect.unref();
    this.#backoffMs = Math.min(this.#backoffMs * 2, 5_000);
    // Polling takes over at its faster pace while notifications cannot arrive.
    this.#schedulePoll();
  }

  #schedulePoll(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    const ms = this.#connected ? (this.opts.pollMs ?? 5_000) : Math.min(1_000, this.opts.pollMs ?? 1_000);
    this.#timer = setTimeout(() => {
      void this.kick().finally(() => this.#schedulePoll());
    }, ms);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#reconnect);
    const c = this.#client;
    this.#client = undefined;
    this.#connected = false;
    await this.#running?.catch(() => {});
    if (c) await c.end().catch(() => {});
  }
}
