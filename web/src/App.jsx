// Which page to show: sign-in and sign-up without a session; with one, the inbox
// beside a conversation, a patient's record, search, the audit trail and the admin page.
import { Suspense, lazy, useEffect } from 'react';
import { ApolloProvider } from '@apollo/client/react';
import { matchRoute, navigate, usePath } from './lib/router.js';
import { SessionProvider, useSession } from './session.jsx';
import { SignIn, SignUp } from './components/AuthPages.jsx';
import { Shell, NavLink } from './components/Shell.jsx';
import { Inbox } from './components/Inbox.jsx';

import { Room } from './components/Room.jsx';
import { EmptyState, Spinner } from './components/ui.jsx';

// The pages besides the inbox load when first opened, which keeps the first load small.
const Admin = lazy(() => import('./components/Admin.jsx').then((m) => ({ default: m.Admin })));
const AuditPage = lazy(() => import('./components/AuditPage.jsx').then((m) => ({ default: m.AuditPage })));
const PatientPage = lazy(() => import('./components/PatientPage.jsx').then((m) => ({ default: m.PatientPage })));
const SearchPage = lazy(() => import('./components/SearchPage.jsx').then((m) => ({ default: m.SearchPage })));

const loading = <div className="p-6"><Spinner label="Loading" /></div>;

function Pages() {
  const { user } = useSession();
  const path = usePath();
  const route = matchRoute(path);

  useEffect(() => {
    if (user && (route.page === 'signIn' || route.page === 'signUp')) navigate('/', { replace: true });
  }, [user, route.page]);

  if (!user) return route.page === 'signUp' ? <SignUp /> : <SignIn />;

  if (route.page === 'admin') {
    return (
      <Shell page="admin">
        {user.role === 'ADMIN' ? <Suspense fallback={loading}><Admin /></Suspense> : (
          <main id="main"><EmptyState title="Only administrators can open this page." /></main>
        )}
      </Shell>
    );
  }
  if (route.page === 'audit') {
    return (
      <Shell page="audit">
        {user.role === 'ADMIN' ? <Suspense fallback={loading}><AuditPage /></Suspense> : (
          <main id="main"><EmptyState title="Only administrators can open this page." /></main>
        )}
      </Shell>
    );
  }
  if (route.page === 'patient') {
    return <Shell page="patient"><Suspense fallback={loading}><PatientPage key={route.userId} userId={route.userId} /></Suspense></Shell>;
  }
  if (route.page === 'search') {
    return <Shell page="search"><Suspense fallback={loading}><SearchPage /></Suspense></Shell>;
  }
  if (route.page === 'notFound') {
    return (
      <Shell page="notFound">
        <main id="main"><EmptyState title="There is no page here."><NavLink to="/" className="text-teal-800 underline">Go to your inbox</NavLink></EmptyState></main>
      </Shell>
    );
  }
  const inRoom = route.page === 'room';
  return (
    <Shell page={route.page}>
      <div className="flex h-full">
        <div className={`${inRoom ? 'hidden md:block' : 'block'} w-full shrink-0 border-r border-slate-200 md:w-80`}>
          <Inbox currentRoomId={route.roomId} />
        </div>
        <main id="main" className={`${inRoom ? 'flex' : 'hidden md:flex'} min-w-0 flex-1 flex-col`}>
          {inRoom ? <Room key={route.roomId} roomId={route.roomId} /> : (
            <div className="flex h-full items-center justify-center">
              <EmptyState title={`Welcome, ${user.displayName}`}>Choose a conversation to read and write messages.</EmptyState>
            </div>
          )}
        </main>
      </div>
    </Shell>
  );
}

function WithApollo() {
  const { apollo } = useSession();
  return (
    <ApolloProvider client={apollo}>
      <Pages />
    </ApolloProvider>
  );
}

export function App() {
  return (
    <SessionProvider>
      <WithApollo />
    </SessionProvider>
  );
}
