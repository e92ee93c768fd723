// The logs tab: the job's stdout and stderr, tailed from the last offset while the job runs.
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { api, unwrap } from "../../api/client";
import { Code, Empty, ErrorBox, Loading } from "../Feedback";

const CHUNK = 256 * 1024;
const POLL_MS = 1000;
/** Past this many characters the oldest lines are dropped, so a huge log stays responsive. */
const KEEP_CHARS = 4 * 1024 * 1024;

type Tail = { text: string; lines: number; dropped: boolean; done: boolean; loaded: boolean; error: unknown };

/** Read the log from offset 0, then poll from the last offset until the server says done. */
function useLogTail(workspace: string, name: string): Tail {
  const [tail, setTail] = useState<Tail>({ text: "", lines: 0, dropped: false, done: false, loaded: false, error: null });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let offset = 0;
    const step = async () => {
      try {
        const chunk = await unwrap(api.GET("/api/v1/workspaces/{workspace}/jobs/{name}/logs", {
          params: { path: { workspace, name }, query: { offset, max_bytes: CHUNK } },
        }));
        if (stopped) return;
        offset = chunk.next_offset;
        setTail((t) => {
          let text = t.text + chunk.text;
          let dropped = t.dropped;
          if (text.length > KEEP_CHARS) {
            const cut = text.indexOf("\n", text.length - KEEP_CHARS);
            text = text.slice(cut + 1);
            dropped = true;
          }
          return { text, lines: t.lines + countLines(chunk.text), dropped, done: chunk.done, loaded: true, error: null };
        });
        if (chunk.done) return;
        // A full chunk means more is already there: read on at once.
        timer = setTimeout(step, chunk.text.length >= CHUNK / 4 ? 0 : POLL_MS);
      } catch (error) {
        if (stopped) return;
        setTail((t) => ({ ...t, loaded: true, error }));
        timer = setTimeout(step, POLL_MS * 5);
      }
    };
    step();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [workspace, name]);
  return tail;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

export function LogView({ workspace, name }: { workspace: string; name: string }) {
  const tail = useLogTail(workspace, name);
  const [follow, setFollow] = useState(true);
  const pre = useRef<HTMLPreElement>(null);

  useLayoutEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [tail.text, follow]);

  // Scrolling up stops following; scrolling back to the bottom starts it again.
  const onScroll = () => {
    const el = pre.current;
    if (el) setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
  };

  if (!tail.loaded) return <Loading what="Loading the log" />;
  const lines = tail.lines + (tail.text && !tail.text.endsWith("\n") ? 1 : 0);
  return (
    <div>
      <div className="toolbar">
        <span className="muted small" data-testid="log-lines">{lines.toLocaleString()} lines</span>
        {!tail.done && <span className="badge badge-run">live</span>}
        {tail.dropped && <span className="muted small">(earlier lines not shown)</span>}
        <label className="inline">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          follow
        </label>
      </div>
      <ErrorBox error={tail.error} />
      {tail.text === "" && tail.done ? (
        <Empty title="No log output">
          This run wrote nothing to stdout or stderr (a run logged from a script, not submitted as a
          job, has no log here). Submit one with <Code>basalt job create -f job.yml</Code>.
        </Empty>
      ) : (
        <pre className="log-view" ref={pre} onScroll={onScroll} data-testid="log-view">
          {tail.text || (tail.done ? "" : "Waiting for output…")}
        </pre>
      )}
    </div>
  );
}
