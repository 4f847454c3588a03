/**
 * The UI's sessions, in memory: a random id (the cookie's value) mapped to a
 * role and a CSRF token. They end when the host stops, or after a time
 * unused.
 *
 * @module
 */
import { randomToken } from "./_random_token.ts";

/** The two roles: a viewer reads; an admin also changes what extensions may do. */
export const ROLES = ["viewer", "admin"] as const;

/** One of {@linkcode ROLES}. */
export type Role = typeof ROLES[number];

/** One signed-in browser. */
export interface Session {
  /** The cookie's value. */
  readonly id: string;
  readonly role: Role;
  /** Counts the sessions this store opened, from 1: names the session in the audit trail. */
  readonly number: number;
  /** What state-changing requests carry in `X-CSRF-Token`. */
  readonly csrfToken: string;
  /** When it was last used, in ms. */
  lastUsed: number;
}

/** Options for {@linkcode SessionStore}. */
export interface SessionStoreOptions {
  /** The clock, in ms. */
  now: () => number;
  /** A session unused this long ends, in ms. */
  idleMs: number;
  /** Sessions kept at most; past it, the least recently used ends. */
  max: number;
}

/** The sessions of one UI server. */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #options: SessionStoreOptions;
  #opened = 0;

  /** @param options The clock and the bounds. */
  constructor(options: SessionStoreOptions) {
    this.#options = options;
  }

  /**
   * Opens a session.
   *
   * @param role What it may do.
   * @returns The new session.
   */
  open(role: Role): Session {
    const session = {
      id: randomToken(32),
      role,
      number: ++this.#opened,
      csrfToken: randomToken(32),
      lastUsed: this.#options.now(),
    };
    this.#sessions.set(session.id, session);
    // A Map keeps insertion order, and find() re-inserts: the first is the least recently used.
    for (const id of this.#sessions.keys()) {
      if (this.#sessions.size <= this.#options.max) break;
      this.#sessions.delete(id);
    }
    return session;
  }

  /**
   * Finds the live session with this id, and marks it used.
   *
   * @param id The cookie's value, if the request had one.
   * @returns The session; undefined when there is none or it expired.
   */
  find(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    const now = this.#options.now();
    this.#sessions.delete(id);
    if (now - session.lastUsed > this.#options.idleMs) return undefined;
    session.lastUsed = now;
    this.#sessions.set(id, session);
    return session;
  }
}
