// Where a file browser's files come from: a run's output files, or its code snapshot. Each
// source lists every file flat (full paths) and gives the URL one file is read from.
import { api, runFileUrl, runSnapshotUrl, unwrap } from "../../api/client";
import type { FileItem } from "./files";
import { isTerminal } from "./runs";

export type FileSource = {
  /** Query key of the listing, distinct per source and run. */
  key: readonly unknown[];
  list: () => Promise<FileItem[]>;
  fileUrl: (path: string) => string;
  /** The root crumb's label. */
  root: string;
  /** The search parameter that holds the open folder or file. */
  param: string;
  /** Poll the listing this often (ms) while the run can still add files. */
  refetchMs: number | false;
  testId: string;
};

export function runOutputs(workspace: string, run: string, status: string): FileSource {
  return {
    key: ["run-files", workspace, run],
    list: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/runs/{name}/files", {
      params: { path: { workspace, name: run } },
    })),
    fileUrl: (path) => runFileUrl(workspace, run, path),
    root: "outputs",
    param: "path",
    refetchMs: isTerminal(status) ? false : 5000,
    testId: "file-browser",
  };
}

/** The code folder a job was submitted with: content-addressed, so it never changes. */
export function runSnapshot(workspace: string, run: string): FileSource {
  return {
    key: ["run-snapshot", workspace, run],
    list: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/runs/{name}/snapshot", {
      params: { path: { workspace, name: run } },
    })),
    fileUrl: (path) => runSnapshotUrl(workspace, run, path),
    root: "code",
    param: "file",
    refetchMs: false,
    testId: "snapshot-browser",
  };
}
