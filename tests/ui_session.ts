/**
 * Test helpers for the web UI's server: the UI's Hono app over a stage's
 * Conductor, signing in with a token, and requests as the UI's page sends
 * them (session cookie, CSRF header, JSON body), through `app.request()`.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { type Role, uiApp, type UiAppOptions } from "../ui/mod.ts";
import { type Stage, stage } from "./extension_stage.ts";

/** The address the test apps are bound to: requests name it as their Host. */
export const UI_HOST = "127.0.0.1:7777";
/** The origin of {@linkcode UI_HOST}, to prefix paths with. */
export const UI_BASE = `http://${UI_HOST}`;
/** The start token of the test apps: it opens an admin session. */
export const ADMIN_TOKEN = "a1".repeat(24);
/** The token that opens a viewer session. */
export const VIEWER_TOKEN = "b2".repeat(24);

/** A stage (a temporary host with acme.benign installed) and the UI's app over it. */
export interface Ui extends AsyncDisposable {
  /** The host. */
  s: Stage;
  /** The UI's app; disposing the Ui disposes the stage. */
  app: Hono;
}

/** What a test changes of the app's options; the rest is this module's. */
export type UiOptions = Partial<Omit<UiAppOptions, "conductor">>;

/**
 * Makes a stage and the UI's app over its Conductor, bound to
 * {@linkcode UI_HOST}, with {@linkcode ADMIN_TOKEN} and {@linkcode VIEWER_TOKEN}.
 *
 * @param options Options of `uiApp` to add or replace.
 * @returns The stage and the app; dispose it when done.
 */
export async function openUi(options: UiOptions = {}): Promise<Ui> {
  const s = await stage();
  const app = uiApp({
    conductor: s.conductor,
    token: ADMIN_TOKEN,
    viewerToken: VIEWER_TOKEN,
    host: UI_HOST,
    ...options,
  });
  return { s, app, [Symbol.asyncDispose]: () => s[Symbol.asyncDispose]() };
}

/** A signed-in browser: its session cookie and the CSRF token the page sends. */
export interface Session {
  /** The `Cookie` header: `symphony_session_<port>=<id>`. */
  cookie: string;
  /** The value of `X-CSRF-Token` on state-changing requests. */
  csrf: string;
}

/**
 * Signs in as a browser does: opens the token URL of a role, then reads the session.
 *
 * @param app The UI's app, from {@linkcode openUi} (or with its tokens).
 * @param role Whose token: {@linkcode ADMIN_TOKEN} or {@linkcode VIEWER_TOKEN}.
 * @returns The session.
 */
export async function signIn(app: Hono, role: Role): Promise<Session> {
  const token = role === "admin" ? ADMIN_TOKEN : VIEWER_TOKEN;
  const response = await app.request(`${UI_BASE}/?token=${token}`);
  assert.equal(response.status, 303);
  const cookie = response.headers.get("set-cookie")?.split(";")[0] ?? "";
  const session = await app.request(`${UI_BASE}/api/session`, { headers: { cookie } });
  assert.equal(session.status, 200);
  return { cookie, csrf: (await session.json()).csrfToken };
}

/**
 * A request as the UI's page sends it: session cookie, CSRF header, JSON body.
 *
 * @param app The UI's app.
 * @param session Who asks; `undefined`: no cookie and no CSRF header.
 * @param method The HTTP method.
 * @param path The path under {@linkcode UI_BASE}, with its query.
 * @param body The body: a string is sent as it is, anything else as JSON. Default: none.
 * @param headers More headers, over the others.
 * @returns The response.
 */
export function send(
  app: Hono,
  session: Session | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(app.request(`${UI_BASE}${path}`, {
    method,
    headers: {
      ...(session === undefined ? {} : { cookie: session.cookie, "x-csrf-token": session.csrf }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  }));
}

/**
 * Reads a JSON answer, after checking its status.
 *
 * @param response The response, or the request on its way.
 * @param status The status it must have. Default: 200.
 * @returns The parsed body.
 */
export async function json(
  response: Response | Promise<Response>,
  status = 200,
): Promise<Record<string, unknown>> {
  const answer = await response;
  const text = await answer.text();
  assert.equal(answer.status, status, text);
  return JSON.parse(text);
}

/** The error a refused request answers with. */
export interface Refusal {
  /** The contract's error code. */
  code: string;
  /** What went wrong. */
  message: string;
}

/**
 * Reads the error of a refused request, after checking its status.
 *
 * @param response The response, or the request on its way.
 * @param status The status it must have.
 * @returns The body's `error`.
 */
export async function refusal(
  response: Response | Promise<Response>,
  status: number,
): Promise<Refusal> {
  return (await json(response, status))["error"] as Refusal;
}

/**
 * Asserts that a request was refused with a status and a code, and that its
 * message shows no stack trace (and matches `message`, when given).
 *
 * @param response The response, or the request on its way.
 * @param status The status it must have.
 * @param code The error code it must have.
 * @param message What the message must match. Default: anything.
 */
export async function assertRefused(
  response: Response | Promise<Response>,
  status: number,
  code: string,
  message?: RegExp,
): Promise<void> {
  const error = await refusal(response, status);
  assert.equal(error.code, code, error.message);
  if (message !== undefined) assert.match(error.message, message);
  assert.doesNotMatch(error.message, /\n\s+at /, "a stack trace leaked");
}
