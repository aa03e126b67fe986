// Which page to show: sign-in and sign-up without a session; rooms, a room and
// the admin page with one.
import { useEffect } from 'react';
import { ApolloProvider } from '@apollo/client/react';
import { matchRoute, navigate, usePath } from './lib/router.js';
import { SessionProvider, useSession } from './session.jsx';
import { SignIn, SignUp } from './components/AuthPages.jsx';
import { Shell, NavLink } from './components/Shell.jsx';
import { RoomList } from './components/RoomList.jsx';
import { Room } from './components/Room.jsx';
import { Admin } from './components/Admin.jsx';
import { EmptyState } from './components/ui.jsx';

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
        {user.role === 'ADMIN' ? <Admin /> : (
          <main id="main"><EmptyState title="Only administrators can open this page." /></main>
        )}
      </Shell>
    );
  }
  if (route.page === 'notFound') {
    return (
      <Shell page="notFound">
        <main id="main"><EmptyState title="There is no page here."><NavLink to="/" className="text-teal-800 underline">Go to your rooms</NavLink></EmptyState></main>
      </Shell>
    );
  }
  const inRoom = route.page === 'room';
  return (
    <Shell page={route.page}>
      <div className="flex h-full">
        <div className={`${inRoom ? 'hidden md:block' : 'block'} w-full shrink-0 border-r border-slate-200 md:w-80`}>
          <RoomList currentRoomId={route.roomId} />
        </div>
        <main id="main" className={`${inRoom ? 'flex' : 'hidden md:flex'} min-w-0 flex-1 flex-col`}>
          {inRoom ? <Room key={route.roomId} roomId={route.roomId} /> : (
            <div className="flex h-full items-center justify-center">
              <EmptyState title={`Welcome, ${user.displayName}`}>Choose a room to read and write messages.</EmptyState>
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
