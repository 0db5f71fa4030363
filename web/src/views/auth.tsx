import { useState } from "preact/hooks";
import { type Me, register, signIn } from "../api";
import { api } from "../api";
import { FieldError, useAction, useQuery } from "../ui";

export function SignInView({ onSignedIn, newToken }: { onSignedIn: (me: Me) => void; newToken: string | null }) {
  const [mode, setMode] = useState<"sign-in" | "register">("sign-in");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [email, setEmail] = useState("");
  const platform = useQuery(() => api.DashPlatform(), []);
  const canRegister = platform.data?.platform.registrationMode === "enabled";
  const action = useAction(async () => {
    onSignedIn(mode === "sign-in" ? await signIn(username, password) : await register(username, password, email || null));
  });
  const fields = ["username", "password", "email"];
  return (
    <main id="main" class="auth">
      <h1 tabIndex={-1}>{mode === "sign-in" ? "Sign in to Deis" : "Create an account"}</h1>
      {newToken && (
        <p role="status">
          Your new API token (shown once; every older one, this browser's session too, was signed out): <code class="secret">{newToken}</code>
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run();
        }}
      >
        <label>
          Username
          <input name="username" autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required />
        </label>
        <FieldError error={action.error} field="username" />
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete={mode === "sign-in" ? "current-password" : "new-password"}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        <FieldError error={action.error} field="password" />
        {mode === "register" && (
          <>
            <label>
              Email (optional)
              <input name="email" type="email" autocomplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
            </label>
            <FieldError error={action.error} field="email" />
          </>
        )}
        <FieldError error={action.error} field={null} fields={fields} />
        <button type="submit" disabled={action.busy}>
          {mode === "sign-in" ? "Sign in" : "Register"}
        </button>
      </form>
      {(canRegister || mode === "register") && (
        <p>
          <button type="button" class="link" onClick={() => setMode(mode === "sign-in" ? "register" : "sign-in")}>
            {mode === "sign-in" ? "No account? Register" : "Have an account? Sign in"}
          </button>
        </p>
      )}
      {platform.data && platform.data.platform.registrationMode !== "enabled" && <p class="muted">Registration on this platform: {platform.data.platform.registrationMode.replace("_", " ")}.</p>}
    </main>
  );
}
