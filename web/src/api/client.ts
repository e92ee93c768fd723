// The one way the studio talks to the server: openapi-fetch typed by the server's own
// /openapi.json (src/api/schema.d.ts is generated at build time), so an API change the UI
// does not follow fails `npm run build`.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

const TOKEN_KEY = "basalt.token";

/** The API token the user signed in with (none on a server started with --auth none). */
export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** An error answer of the API, as the API says it (the envelope's code and message). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, requestId?: string, details = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The data of an answer, or an ApiError carrying the envelope's code and message. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch (e) {
    throw new ApiError(0, "unavailable", `The server did not answer (${String(e)}).`);
  }
  if (answer.response.ok) return answer.data as T;
  throw toApiError(answer.response.status, answer.error);
}

export function toApiError(status: number, body: unknown): ApiError {
  const envelope = (body as { error?: Schemas["ErrorBody"] } | undefined)?.error;
  if (envelope && typeof envelope.message === "string") {
    return new ApiError(status, envelope.code, envelope.message, envelope.request_id, envelope.details);
  }
  return new ApiError(status, "http_" + status, `The server answered ${status}.`);
}

/** GET a raw file (logs, outputs) with the user's token; the body as text or bytes. */
export async function fetchRaw(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers });
  if (!response.ok) {
    let body: unknown = undefined;
    try {
      body = await response.json();
    } catch {
      // not JSON: the status says it
    }
    throw toApiError(response.status, body);
  }
  return response;
}

/** URL of a run's output file (quoted per segment, as the API expects). */
export function runFileUrl(workspace: string, run: string, path: string): string {
  return runPathUrl(workspace, run, "files", path);
}

/** URL of a file of a run's code snapshot (quoted per segment, as the API expects). */
export function runSnapshotUrl(workspace: string, run: string, path: string): string {
  return runPathUrl(workspace, run, "snapshot", path);
}

function runPathUrl(workspace: string, run: string, part: "files" | "snapshot", path: string): string {
  const quoted = path.split("/").map(encodeURIComponent).join("/");
  return `/api/v1/workspaces/${encodeURIComponent(workspace)}/runs/${encodeURIComponent(run)}/${part}/${quoted}`;
}
