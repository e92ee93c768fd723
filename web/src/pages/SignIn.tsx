// Sign in with a user name and password (the server hands back a token), or paste a token.
import { useState, type FormEvent } from "react";
import { api, setToken, unwrap } from "../api/client";
import { ErrorBox } from "../components/Feedback";

export function SignIn({ reason }: { reason?: string }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [token, setTokenText] = useState("");
  const [error, setError] = useState<unknown>(null);

  async function withPassword(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const created = await unwrap(api.POST("/api/v1/login", {
        body: { user, password, token_name: "studio", expires_in_days: 30 },
      }));
      setToken(created.secret);
      window.location.reload();
    } catch (err) {
      setError(err);
    }
  }

  function withToken(e: FormEvent) {
    e.preventDefault();
    setToken(token.trim());
    window.location.reload();
  }

  return (
    <div className="signin">
      <h1>Basalt studio</h1>
      <p className="muted">{reason ?? "This server needs you to sign in."}</p>
      <form onSubmit={withPassword} className="card">
        <h2>User name and password</h2>
        <label>User <input value={user} onChange={(e) => setUser(e.target.value)} autoComplete="username" /></label>
        <label>Password <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" /></label>
        <button type="submit" className="primary" disabled={!user || !password}>Sign in</button>
      </form>
      <form onSubmit={withToken} className="card">
        <h2>API token</h2>
        <p className="muted small">A token from <code>basalt token create</code>, or the administrator token
          <code>basalt server start</code> printed.</p>
        <label>Token <input value={token} onChange={(e) => setTokenText(e.target.value)} placeholder="bas_…" /></label>
        <button type="submit" disabled={!token.trim()}>Use token</button>
      </form>
      <ErrorBox error={error} />
    </div>
  );
}
