import { Link } from "react-router";
import { Empty } from "../components/Feedback";

export function NotFound() {
  return (
    <Empty title="No such page">
      Nothing lives at <code>{window.location.pathname}</code>. Go to the <Link to="/workspaces">workspaces</Link>.
    </Empty>
  );
}
