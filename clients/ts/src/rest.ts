// A REST client built from the services' own google.api.http annotations: every query of a
// module is a typed method, its URL taken from the proto, its JSON answer decoded into the
// generated message type. Nothing here is written per query.
import { create, fromJson, getOption, toJson } from "@bufbuild/protobuf";
import type { DescMethod, DescService, MessageInitShape, MessageShape, Registry } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { http } from "./gen/google/api/annotations_pb.js";

/** One typed method per query of a module's Query service. */
export type RestClient<T extends GenServiceMethods> = {
  [K in keyof T]: (
    request?: MessageInitShape<T[K]["input"]>,
    init?: RequestInit,
  ) => Promise<MessageShape<T[K]["output"]>>;
};

/** A REST answer that is not 2xx: the node's gRPC code and message when it sent them. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly code: number | undefined,
    message: string,
  ) {
    super(`${url}: HTTP ${status}: ${message}`);
    this.name = "RestError";
  }
}

export interface RestOptions {
  /** The node's REST base URL, e.g. http://127.0.0.1:1317. */
  baseUrl: string;
  /** Resolves google.protobuf.Any values in answers; every generated type when omitted. */
  registry?: Registry;
  /** Another fetch (tests, a proxy); globalThis.fetch by default. */
  fetch?: typeof globalThis.fetch;
}

export function restClient<T extends GenServiceMethods>(service: GenService<T>, opts: RestOptions): RestClient<T> {
  const client: Record<string, unknown> = {};
  for (const method of (service as unknown as DescService).methods) {
    client[method.localName] = (request?: object, init?: RequestInit) => call(method, request ?? {}, opts, init);
  }
  return client as RestClient<T>;
}

async function call(method: DescMethod, request: object, opts: RestOptions, init?: RequestInit): Promise<unknown> {
  const url = requestUrl(method, request, opts.baseUrl);
  const res = await (opts.fetch ?? globalThis.fetch)(url, { ...init, headers: { Accept: "application/json", ...init?.headers } });
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new RestError(res.status, url, undefined, `not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const err = body as { code?: number; message?: string };
    throw new RestError(res.status, url, err.code, err.message ?? text.slice(0, 200));
  }
  return fromJson(method.output, body as never, { ignoreUnknownFields: true, registry: opts.registry });
}

/**
 * The URL of a query: the request's fields fill the path template (the binding whose path
 * fields are all set, the one with most of them), the rest go in the query string as
 * grpc-gateway reads them (nested fields dotted, repeated fields repeated, enums as numbers:
 * the gateway parses only numbers for gogoproto enums).
 */
export function requestUrl(method: DescMethod, request: object, baseUrl: string): string {
  const rule = getOption(method, http);
  const json = toJson(method.input, create(method.input, request as never), { useProtoFieldName: true, enumAsInteger: true }) as Record<string, unknown>;
  const templates = [rule.pattern, ...rule.additionalBindings.map((b) => b.pattern)]
    .filter((p) => p.case === "get")
    .map((p) => p.value as string);
  if (templates.length === 0) throw new Error(`${method.parent.typeName}.${method.name} has no GET binding`);
  const fields = (t: string) => [...t.matchAll(/\{([a-z0-9_.]+)\}/g)].map((m) => m[1]);
  const usable = templates.filter((t) => fields(t).every((f) => json[f] !== undefined));
  const template = usable.sort((a, b) => fields(b).length - fields(a).length)[0];
  if (template === undefined) {
    throw new Error(`${method.name}: set ${fields(templates[0]).join(", ")} to build ${templates[0]}`);
  }
  const path = template.replace(/\{([a-z0-9_.]+)\}/g, (_, f: string) => {
    const v = String(json[f]);
    delete json[f];
    return encodeURIComponent(v);
  });
  const query = new URLSearchParams();
  const add = (prefix: string, v: unknown) => {
    if (Array.isArray(v)) v.forEach((x) => add(prefix, x));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) add(`${prefix}.${k}`, x);
    else query.append(prefix, String(v));
  };
  for (const [k, v] of Object.entries(json)) add(k, v);
  const qs = query.toString();
  return baseUrl.replace(/\/+$/, "") + path + (qs ? `?${qs}` : "");
}
