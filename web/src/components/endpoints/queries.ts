// The endpoint pages' queries, keyed once here so a save can refresh every view that shows it.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

export const endpointKeys = {
  list: (ws: string) => ["online-endpoints", ws] as const,
  one: (ws: string, name: string) => ["online-endpoints", ws, name] as const,
  deployments: (ws: string, name: string) => ["online-endpoints", ws, name, "deployments"] as const,
};

/** Poll while something is being created or updated, so a state change shows without reload. */
const BUSY = new Set(["Creating", "Updating", "Deleting"]);
function pollWhileBusy(states: (string | undefined)[]): number | false {
  return states.some((s) => s && BUSY.has(s)) ? 3000 : false;
}

export function useEndpoints(workspace: string) {
  return useQuery({
    queryKey: endpointKeys.list(workspace),
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/online-endpoints", { params: { path: { workspace } } })),
  });
}

export function useEndpoint(workspace: string, name: string) {
  return useQuery({
    queryKey: endpointKeys.one(workspace, name),
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/online-endpoints/{name}", { params: { path: { workspace, name } } })),
    refetchInterval: (q) => pollWhileBusy([q.state.data?.provisioning_state]),
  });
}

export function useDeployments(workspace: string, endpoint: string) {
  return useQuery({
    queryKey: endpointKeys.deployments(workspace, endpoint),
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/online-endpoints/{endpoint}/deployments", {
      params: { path: { workspace, endpoint } },
    })),
    refetchInterval: (q) => pollWhileBusy((q.state.data ?? []).map((d) => d.provisioning_state)),
  });
}
