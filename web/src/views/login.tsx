// Username and password, then the second factor when the account has one.
import { useState } from "preact/hooks";
import { adopt, anonymous, LOGIN_FIELDS } from "../api";
import { Failure } from "../components/common";

interface Answer {
  __typename: string;
  message?: string;
  challengeToken?: string;
  methods?: string[];
}

const LOGIN = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    ${LOGIN_FIELDS} ... on TwoFactorRequired { challengeToken methods } } }`;
const VERIFY = `mutation Verify($challenge: String!, $code: String!, $method: String!) {
  verifyTwoFactor(challengeToken: $challenge, code: $code, method: $method) { ${LOGIN_FIELDS} } }`;

export function Login() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [challenge, setChallenge] = useState<{ token: string; method: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const answer = (payload: Answer) => {
    adopt(payload);
    if (payload.__typename === "TwoFactorRequired" && payload.challengeToken) {
      const method = payload.methods?.includes("totp") ? "totp" : (payload.methods?.[0] ?? "totp");
      setChallenge({ token: payload.challengeToken, method });
      setError(null);
    } else if (payload.__typename !== "LoginSuccess") {
      setError(payload.message ?? "Login failed");
    }
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      if (challenge) {
        const data = await anonymous<{ verifyTwoFactor: Answer }>(VERIFY, {
          challenge: challenge.token,
          code: code.trim(),
          method: challenge.method,
        });
        answer(data.verifyTwoFactor);
      } else {
        const data = await anonymous<{ login: Answer }>(LOGIN, { username, password });
        answer(data.login);
      }
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main>
      <form class="login panel" onSubmit={submit}>
        <h1>Sign in to OpsGraph</h1>
        {challenge ? (
          <>
            <p class="muted">
              {challenge.method === "email"
                ? "Enter the code sent to your email address."
                : "Enter the 6-digit code from your authenticator app."}
            </p>
            <label>
              Authentication code
              <input
                value={code}
                onInput={(e) => setCode((e.target as HTMLInputElement).value)}
                inputMode="numeric"
                autoComplete="one-time-code"
                autoFocus
                required
              />
            </label>
            <button class="primary" type="submit" disabled={busy}>
              Verify
            </button>
          </>
        ) : (
          <>
            <label>
              Username
              <input
                value={username}
                onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
                autoComplete="username"
                autoFocus
                required
              />
            </label>
            <label>
              Password
              <input
                type="password"
                value={password}
                onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
                autoComplete="current-password"
                required
              />
            </label>
            <button class="primary" type="submit" disabled={busy}>
              Log in
            </button>
          </>
        )}
        <Failure message={error} />
        <p class="muted">
          No account yet? The first admin is made with <code>opsgraph users create</code>.
        </p>
      </form>
    </main>
  );
}
