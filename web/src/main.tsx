import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type Me, currentSession, onSessionEnd, signOut } from "./api";
import { AccountView } from "./views/account";
import { AdminView } from "./views/admin";
import { AppView } from "./views/app";
import { APPS_PAGE, AppsView } from "./views/apps";
import { DashAppsDocument } from "./generated";
import { SignInView } from "./views/auth";
import { LogsView } from "./views/logs";
import "./style.css";

/** The route is the part of the URL after #: #/apps, #/apps/<name>, #/apps/<name>/logs, #/account, #/admin. */
function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

/**
 * Asked as the script starts, before the first render: the session check carries the apps list's
 * first page when that is the page shown, so the list needs one round trip after the bundle.
 */
const route = location.hash.replace(/^#\/?/, "");
const session = currentSession(route === "" || route === "apps" ? { query: DashAppsDocument, variables: APPS_PAGE } : undefined);

function Page({ me, route, onNewToken }: { me: Me; route: string[]; onNewToken: (token: string) => void }) {
  const [section, name, sub] = route;
  // Keyed by the app: another app's page (or the same app under its new name) starts afresh.
  if (section === "apps" && name && sub === "logs") return <LogsView key={name} app={name} />;
  if (section === "apps" && name) return <AppView key={name} name={name} me={me} />;
  if (section === "account") return <AccountView me={me} onNewToken={onNewToken} />;
  if (section === "admin" && me.isAdmin) return <AdminView me={me} />;
  return <AppsView me={me} />;
}

function Dashboard() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  // A regenerated token ends this browser's session too: it stays on screen past the sign-out.
  const [newToken, setNewToken] = useState<string | null>(null);
  const route = useRoute();
  useEffect(() => {
    session.then(setMe, () => setMe(null));
    return onSessionEnd(() => setMe(null));
  }, []);
  useEffect(() => {
    // Moves focus to the new page's heading, so keyboard and screen-reader users land on it.
    document.querySelector<HTMLElement>("main h1")?.focus();
  }, [route.join("/"), me?.username]);
  if (me === undefined) return <p>Loading…</p>;
  if (me === null) return <SignInView onSignedIn={(signedIn) => (setNewToken(null), setMe(signedIn))} newToken={newToken} />;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="bar">
        <a class="brand" href="#/apps">
          Deis
        </a>
        <nav aria-label="Main">
          <a href="#/apps">Apps</a>
          <a href="#/account">Account</a>
          {me.isAdmin && <a href="#/admin">Admin</a>}
        </nav>
        <span class="who" data-testid="signed-in-as">
          {me.username}
        </span>
        <button type="button" onClick={() => void signOut().finally(() => setMe(null))}>
          Sign out
        </button>
      </header>
      <main id="main">
        <Page me={me} route={route} onNewToken={setNewToken} />
      </main>
    </>
  );
}

render(<Dashboard />, document.getElementById("root")!);
