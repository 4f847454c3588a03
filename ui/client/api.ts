/**
 * The client's access to the UI server's JSON API: the session's CSRF token
 * is sent with every request that changes something, and an error answer
 * becomes an {@linkcode ApiError} with the contract's code.
 *
 * @module
 */

/** An error answer of the API: `{ error: { code, message } }`. */
export class ApiError extends Error {
  /** The contract's error code, e.g. `InvalidInput`. */
  readonly code: string;
  /** The HTTP status. */
  readonly status: number;

  /**
   * @param code The contract's error code.
   * @param message What the server said.
   * @param status The HTTP status.
   */
  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

/** The signed-in session: its role and the CSRF token. */
export interface Session {
  role: "admin" | "viewer";
  csrfToken: string;
}

/** Calls the API as the signed-in user. */
export class Api {
  readonly #csrfToken: string;

  /** @param session The session from {@linkcode Api.session}. */
  constructor(session: Session) {
    this.#csrfToken = session.csrfToken;
  }

  /**
   * Reads the session (the cookie the start token gave).
   *
   * @returns The role and the CSRF token.
   * @throws {ApiError} `PermissionDenied` without a session.
   */
  static session(): Promise<Session> {
    return request<Session>("GET", "/api/session", undefined, undefined);
  }

  /**
   * Reads an endpoint.
   *
   * @param path The path, from `/api`.
   * @returns The answer's JSON.
   */
  get<T>(path: string): Promise<T> {
    return request<T>("GET", path, undefined, undefined);
  }

  /**
   * Sends a change.
   *
   * @param method `POST`, `PUT` or `DELETE`.
   * @param path The path, from `/api`.
   * @param body The JSON body, if any.
   * @returns The answer's JSON.
   * @throws {ApiError} The server's refusal.
   */
  send<T>(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
    return request<T>(method, path, body, this.#csrfToken);
  }
}

async function request<T>(
  method: string,
  path: string,
  body: unknown,
  csrfToken: string | undefined,
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (csrfToken !== undefined) headers["x-csrf-token"] = csrfToken;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    throw new ApiError(
      typeof error?.code === "string" ? error.code : "Internal",
      typeof error?.message === "string" ? error.message : `${method} ${path}: ${response.status}`,
      response.status,
    );
  }
  return json as T;
}

/**
 * The message to show for a failure.
 *
 * @param error What was thrown.
 * @returns One line for the page.
 */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
