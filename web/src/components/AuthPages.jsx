// Sign-in and sign-up (self-service sign-up makes a patient).
import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { LOGIN, REGISTER } from '../lib/graphql.js';
import { errorCode, errorMessage } from '../lib/errors.js';
import { useSession } from '../session.jsx';
import { navigate } from '../lib/router.js';
import { Alert, Button, Field } from './ui.jsx';

function AuthFrame({ title, children }) {
  return (
    <main id="main" className="flex min-h-dvh items-center justify-center bg-slate-100 px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center">
          <p className="text-2xl font-semibold tracking-tight text-teal-800">Clinic Messages</p>
          <p className="text-sm text-slate-500">Secure messaging between care teams and patients</p>
        </div>
        <section className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="auth-title">
          <h1 id="auth-title" className="mb-4 text-lg font-semibold text-slate-900">{title}</h1>
          {children}
        </section>
      </div>
    </main>
  );
}

function afterSignIn() {
  const p = location.pathname;
  navigate(p === '/sign-in' || p === '/sign-up' ? '/' : p + location.search, { replace: true });
}

export function SignIn() {
  const { signIn, notice } = useSession();
  const [login, { loading }] = useMutation(LOGIN);
  const [error, setError] = useState(null);

  async function submit(e) {
    e.preventDefault();
    setError(null);
    const f = new FormData(e.currentTarget);
    try {
      const { data } = await login({ variables: { email: String(f.get('email')).trim(), password: String(f.get('password')) } });
      signIn(data.login);
      afterSignIn();
    } catch (err) {
      const code = errorCode(err);
      // The server's words for a rate limit say how long to wait.
      setError(code === 'UNAUTHENTICATED' ? 'The email or the password is not right.'
        : code === 'RATE_LIMITED' && err.errors?.[0]?.message ? err.errors[0].message : errorMessage(err));
    }
  }

  return (
    <AuthFrame title="Sign in">
      {notice && <Alert kind="info" className="mb-4" data-testid="session-notice">{notice}</Alert>}
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate={false}>
        <Field label="Email" name="email" type="email" autoComplete="username" required autoFocus />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        {error && <Alert>{error}</Alert>}
        <Button type="submit" disabled={loading}>{loading ? 'Signing in…' : 'Sign in'}</Button>
      </form>
      <p className="mt-4 text-center text-sm text-slate-600">
        New patient?{' '}
        <a href="/sign-up" className="font-medium text-teal-800 underline" onClick={(e) => { e.preventDefault(); navigate('/sign-up'); }}>
          Create an account
        </a>
      </p>
    </AuthFrame>
  );
}

export function SignUp() {
  const { signIn } = useSession();
  const [register, { loading: registering }] = useMutation(REGISTER);
  const [login, { loading: signingIn }] = useMutation(LOGIN);
  const loading = registering || signingIn;
  const [error, setError] = useState(null);

  async function submit(e) {
    e.preventDefault();
    setError(null);
    const f = new FormData(e.currentTarget);
    if (f.get('password') !== f.get('confirm')) {
      setError('The two passwords differ.');
      return;
    }
    const email = String(f.get('email')).trim();
    const password = String(f.get('password'));
    try {
      // The server answers REGISTRATION_RECEIVED whether the email was new (the
      // account is made) or already had an account (nothing changes), so that the
      // answer does not tell who is a patient here; signing in tells the owner.
      await register({ variables: { displayName: String(f.get('name')).trim(), email, password } });
    } catch (err) {
      if (errorCode(err) !== 'REGISTRATION_RECEIVED') {
        setError(errorMessage(err));
        return;
      }
    }
    try {
      const { data } = await login({ variables: { email, password } });
      signIn(data.login);
      navigate('/', { replace: true });
    } catch (err) {
      setError(errorCode(err) === 'UNAUTHENTICATED'
        ? 'This email may already have an account: sign in with its password instead.'
        : errorMessage(err));
    }
  }

  return (
    <AuthFrame title="Create a patient account">
      <form onSubmit={submit} className="flex flex-col gap-4">
        <Field label="Your name" name="name" autoComplete="name" required maxLength={100} autoFocus />
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field label="Password" name="password" type="password" autoComplete="new-password" required minLength={8} hint="At least 8 characters." />
        <Field label="Repeat the password" name="confirm" type="password" autoComplete="new-password" required minLength={8} />
        {error && <Alert>{error}</Alert>}
        <Button type="submit" disabled={loading}>{loading ? 'Creating account…' : 'Create account'}</Button>
      </form>
      <p className="mt-4 text-center text-sm text-slate-600">
        Have an account?{' '}
        <a href="/sign-in" className="font-medium text-teal-800 underline" onClick={(e) => { e.preventDefault(); navigate('/sign-in'); }}>
          Sign in
        </a>
      </p>
    </AuthFrame>
  );
}
