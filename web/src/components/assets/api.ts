// The asset routes, one typed call per kind: the four registries share their route shapes, but
// openapi-fetch types each path literal on its own, hence the switches.
import { api, unwrap, type Schemas } from "../../api/client";
import type { AssetKind } from "../../lib/assets";

export type Model = Schemas["Model"];
export type Data = Schemas["Data"];
export type Environment = Schemas["Environment"];
export type Component = Schemas["Component"];
export type Asset = Model | Data | Environment | Component;
export type AssetFile = Schemas["ModelFile"];
export type AssetPage = { items: Asset[]; next_page_token?: string | null };
export type ListQuery = Schemas["ModelListQuery"];

const W = "/api/v1/workspaces/{workspace}";

export function searchAssets(workspace: string, kind: AssetKind, body: ListQuery): Promise<AssetPage> {
  const params = { path: { workspace } };
  switch (kind) {
    case "models": return unwrap(api.POST(`${W}/models/search`, { params, body }));
    case "data": return unwrap(api.POST(`${W}/data/search`, { params, body }));
    case "environments": return unwrap(api.POST(`${W}/environments/search`, { params, body }));
    case "components": return unwrap(api.POST(`${W}/components/search`, { params, body }));
  }
}

/** Every version of a name, archived ones too (a few pages at most). */
export async function listVersions(workspace: string, kind: AssetKind, name: string): Promise<Asset[]> {
  const out: Asset[] = [];
  let page_token: string | null | undefined = undefined;
  for (let i = 0; i < 10; i++) {
    const page: AssetPage = await searchAssets(workspace, kind, {
      name, include_archived: true, max_results: 500, page_token,
    });
    out.push(...page.items);
    page_token = page.next_page_token;
    if (!page_token) break;
  }
  return out;
}

/** One version, or the latest when `version` is undefined. */
export function getAsset(workspace: string, kind: AssetKind, name: string, version?: string): Promise<Asset> {
  const params = { path: { workspace, name }, query: version ? { version } : {} };
  switch (kind) {
    case "models": return unwrap(api.GET(`${W}/models/{name}`, { params }));
    case "data": return unwrap(api.GET(`${W}/data/{name}`, { params }));
    case "environments": return unwrap(api.GET(`${W}/environments/{name}`, { params }));
    case "components": return unwrap(api.GET(`${W}/components/{name}`, { params }));
  }
}

/** Files of a version; environments have none (their content is the spec). */
export function listFiles(workspace: string, kind: AssetKind, name: string, version: string): Promise<AssetFile[]> {
  const params = { path: { workspace, name, version } };
  switch (kind) {
    case "models": return unwrap(api.GET(`${W}/models/{name}/versions/{version}/files`, { params }));
    case "data": return unwrap(api.GET(`${W}/data/{name}/versions/{version}/files`, { params }));
    case "components": return unwrap(api.GET(`${W}/components/{name}/versions/{version}/files`, { params }));
    case "environments": return Promise.resolve([]);
  }
}

/** URL of one file of a version (quoted per segment, as the API expects). */
export function assetFileUrl(workspace: string, kind: AssetKind, name: string, version: string, path: string): string {
  const quoted = path.split("/").map(encodeURIComponent).join("/");
  const e = encodeURIComponent;
  return `/api/v1/workspaces/${e(workspace)}/${kind}/${e(name)}/versions/${e(version)}/files/${quoted}`;
}

export function setLabel(workspace: string, kind: AssetKind, name: string, label: string, version: string): Promise<Asset> {
  const params = { path: { workspace, name, label } };
  const body = { version };
  switch (kind) {
    case "models": return unwrap(api.PUT(`${W}/models/{name}/labels/{label}`, { params, body }));
    case "data": return unwrap(api.PUT(`${W}/data/{name}/labels/{label}`, { params, body }));
    case "environments": return unwrap(api.PUT(`${W}/environments/{name}/labels/{label}`, { params, body }));
    case "components": return unwrap(api.PUT(`${W}/components/{name}/labels/{label}`, { params, body }));
  }
}

export function setArchived(workspace: string, kind: AssetKind, name: string, version: string, archived: boolean): Promise<Asset> {
  const params = { path: { workspace, name, version } };
  if (archived) {
    switch (kind) {
      case "models": return unwrap(api.POST(`${W}/models/{name}/versions/{version}/archive`, { params }));
      case "data": return unwrap(api.POST(`${W}/data/{name}/versions/{version}/archive`, { params }));
      case "environments": return unwrap(api.POST(`${W}/environments/{name}/versions/{version}/archive`, { params }));
      case "components": return unwrap(api.POST(`${W}/components/{name}/versions/{version}/archive`, { params }));
    }
  }
  switch (kind) {
    case "models": return unwrap(api.POST(`${W}/models/{name}/versions/{version}/restore`, { params }));
    case "data": return unwrap(api.POST(`${W}/data/{name}/versions/{version}/restore`, { params }));
    case "environments": return unwrap(api.POST(`${W}/environments/{name}/versions/{version}/restore`, { params }));
    case "components": return unwrap(api.POST(`${W}/components/{name}/versions/{version}/restore`, { params }));
  }
}

/** Query keys, so a mutation can refresh everything of one asset name. */
export const keys = {
  list: (workspace: string, kind: AssetKind) => ["assets", workspace, kind, "list"] as const,
  name: (workspace: string, kind: AssetKind, name: string) => ["assets", workspace, kind, "name", name] as const,
};
