// The audit trail (admins): newest first, filtered by actor, patient, room and
// action, older records a page at a time (`before` the oldest shown), and the
// records loaded so far exported as CSV.
import { useEffect, useState } from 'react';
import { useSession } from '../session.jsx';
import { AUDIT_LOG } from '../lib/graphql.js';
import { errorMessage } from '../lib/errors.js';
import { auditCsv, auditVariables } from '../lib/inbox.js';
import { longTime } from '../lib/time.js';
import { NavLink } from './Shell.jsx';
import { Alert, Button, EmptyState, Spinner } from './ui.jsx';

const PAGE = 50;
const ACTIONS = ['', 'login', 'login.failed', 'messages.read', 'messages.subscribe', 'messages.search', 'members.add',
  'room.assign', 'room.status', 'room.tags', 'patient.read', 'patient.update'];

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function AuditPage() {
  const { apollo } = useSession();
  const [filters, setFilters] = useState({ actorId: '', patientId: '', roomId: '', action: '' });
  const [state, setState] = useState({ records: [], done: false, loading: false, error: null, loaded: false });

  async function load(more) {
    const before = more && state.records.length ? state.records[state.records.length - 1].id : null;
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const { data } = await apollo.query({ query: AUDIT_LOG, variables: auditVariables(filters, { before, limit: PAGE }), fetchPolicy: 'no-cache' });
      const page = data.auditLog;
      setState((s) => ({ records: more ? [...s.records, ...page] : page, done: page.length < PAGE, loading: false, error: null, loaded: true }));
    } catch (e) {
      setState((s) => ({ ...s, loading: false, error: errorMessage(e) }));
    }
  }

  // The newest records show at once.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => { load(false); }, []);

  const set = (k) => (e) => setFilters({ ...filters, [k]: e.target.value });
  const input = 'rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900';

  return (
    <main id="main" className="h-full overflow-y-auto">
      <div className="mx-auto flex max-w-6xl flex-col gap-4 p-3 sm:p-6">
        <h1 className="text-xl font-semibold text-slate-900">Audit trail</h1>
        <form onSubmit={(e) => { e.preventDefault(); load(false); }} aria-label="Audit filters"
          className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-5 sm:items-end">
          <label className="flex flex-col gap-1 text-sm font-medium text-slate-800">Actor id
            <input className={input} inputMode="numeric" value={filters.actorId} onChange={set('actorId')} />
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium text-slate-800">Patient id
            <input className={input} inputMode="numeric" value={filters.patientId} onChange={set('patientId')} />
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium text-slate-800">Room id
            <input className={input} inputMode="numeric" value={filters.roomId} onChange={set('roomId')} />
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium text-slate-800">Action
            <select className={input} value={filters.action} onChange={set('action')}>
              {ACTIONS.map((a) => <option key={a} value={a}>{a || 'Any action'}</option>)}
            </select>
          </label>
          <Button type="submit" disabled={state.loading}>Show</Button>
        </form>
        {state.error && <Alert>{state.error}</Alert>}
        <div className="flex items-center justify-between gap-2">
          <p className="text-sm text-slate-600" role="status">
            {state.loaded ? `${state.records.length} record${state.records.length === 1 ? '' : 's'} loaded` : 'Choose filters and press Show.'}
          </p>
          <Button variant="secondary" size="sm" disabled={state.records.length === 0}
            onClick={() => download(`audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`, auditCsv(state.records))}>
            Export CSV
          </Button>
        </div>
        {state.loaded && state.records.length === 0 && <EmptyState title="No audit records match." />}
        {state.records.length > 0 && (
          <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
            <table className="w-full text-left text-sm" data-testid="audit-table">
              <caption className="sr-only">Audit records, newest first</caption>
              <thead className="bg-slate-50 text-xs text-slate-600">
                <tr>{['Id', 'When', 'Actor', 'Action', 'Room', 'Patient', 'Address', 'Detail'].map((h) => <th key={h} scope="col" className="px-3 py-2 font-medium">{h}</th>)}</tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {state.records.map((r) => (
                  <tr key={r.id} data-testid="audit-row">
                    <td className="px-3 py-1.5 tabular-nums text-slate-500">{r.id}</td>
                    <td className="px-3 py-1.5 whitespace-nowrap"><time dateTime={r.at}>{longTime(r.at)}</time></td>
                    <td className="px-3 py-1.5">{r.actor ? `${r.actor.displayName} (${r.actor.id})` : '—'}</td>
                    <td className="px-3 py-1.5 font-mono text-xs">{r.action}</td>
                    <td className="px-3 py-1.5">{r.roomId && <NavLink to={`/rooms/${r.roomId}`} className="text-teal-800 underline">{r.roomId}</NavLink>}</td>
                    <td className="px-3 py-1.5">{r.patientId && <NavLink to={`/patients/${r.patientId}`} className="text-teal-800 underline">{r.patientId}</NavLink>}</td>
                    <td className="px-3 py-1.5 text-slate-600">{r.address}</td>
                    <td className="max-w-64 truncate px-3 py-1.5 font-mono text-xs text-slate-600" title={r.detail || ''}>{r.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {state.loaded && !state.done && (
          <div className="flex justify-center">
            <Button variant="secondary" size="sm" onClick={() => load(true)} disabled={state.loading}>
              {state.loading ? 'Loading…' : 'Load older'}
            </Button>
          </div>
        )}
        {state.loading && <Spinner label="Loading audit records" />}
      </div>
    </main>
  );
}
