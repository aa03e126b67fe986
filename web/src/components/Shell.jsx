// The frame of a signed-in page: the top bar, the idle warning, the content.
import { config } from '../config.js';
import { useIdleTimeout } from '../lib/idle.js';
import { navigate } from '../lib/router.js';
import { useSession } from '../session.jsx';
import { Button, RoleBadge, cx } from './ui.jsx';
import { NotifyOffer, UnreadTitle } from './Live.jsx';

export function NavLink({ to, current, children, className, ...props }) {
  return (
    <a
      href={to}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
      className={className}
      {...props}
    >
      {children}
    </a>
  );
}

export function Shell({ page, children }) {
  const { user, signOut } = useSession();
  const [left, stay] = useIdleTimeout(
    config.idleTimeoutMinutes * 60000,
    config.idleWarningSeconds * 1000,
    () => signOut('idle'),
  );
  const tab = (active) => cx('rounded-md px-3 py-1.5 text-sm font-medium', active ? 'bg-teal-50 text-teal-900' : 'text-slate-600 hover:bg-slate-100');

  return (
    <div className="flex h-dvh flex-col bg-slate-100">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="flex shrink-0 items-center gap-2 border-b border-slate-200 bg-white px-3 py-2 sm:px-4">
        <NavLink to="/" className="mr-2 text-base font-semibold tracking-tight text-teal-800">Clinic Messages</NavLink>
        <nav aria-label="Main" className="flex items-center gap-1 overflow-x-auto">
          <NavLink to="/" current={page === 'home' || page === 'room'} className={tab(page === 'home' || page === 'room')}>Inbox</NavLink>
          <NavLink to="/search" current={page === 'search'} className={tab(page === 'search')}>Search</NavLink>
          {user.role === 'PATIENT' ? (
            <NavLink to={`/patients/${encodeURIComponent(user.id)}`} current={page === 'patient'} className={tab(page === 'patient')}>My record</NavLink>
          ) : (
            <NavLink to="/patients" current={page === 'patient'} className={tab(page === 'patient')}>Patients</NavLink>
          )}
          {user.role === 'ADMIN' && (
            <>
              <NavLink to="/audit" current={page === 'audit'} className={tab(page === 'audit')}>Audit</NavLink>
              <NavLink to="/admin" current={page === 'admin'} className={tab(page === 'admin')}>Admin</NavLink>
            </>
          )}
        </nav>
        <div className="ml-auto flex min-w-0 items-center gap-2">
          <span className="hidden min-w-0 items-center gap-2 sm:flex" data-testid="current-user">
            <span className="truncate text-sm text-slate-700">{user.displayName}</span>
            <RoleBadge role={user.role} />
          </span>
          <Button variant="secondary" size="sm" onClick={() => signOut('signedOut')}>Sign out</Button>
        </div>
      </header>
      <UnreadTitle />
      <NotifyOffer />
      {left !== null && (
        <div role="alertdialog" aria-live="assertive" aria-label="Inactivity warning"
          className="flex flex-wrap items-center justify-center gap-3 border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900">
          <span>You will be signed out in {Math.ceil(left / 1000)} s because of inactivity.</span>
          <Button size="sm" onClick={stay}>Stay signed in</Button>
        </div>
      )}
      <div className="min-h-0 flex-1">{children}</div>
    </div>
  );
}
