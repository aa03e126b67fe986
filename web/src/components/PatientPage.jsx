// A patient's record at /patients/:id: staff and admins read and edit any
// patient's (with staff notes); a patient reads only their own, without staff
// notes. Another patient's id (or no patient at all) shows one "not available"
// view whatever the reason, and nothing of the record.
import { useEffect, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { PATIENT, PATIENTS, UPDATE_PATIENT } from '../lib/graphql.js';
import { errorCode, errorMessage } from '../lib/errors.js';
import { useSession } from '../session.jsx';
import { NavLink } from './Shell.jsx';
import { Alert, Button, EmptyState, Field, Spinner, StatusBadge } from './ui.jsx';

const FIELDS = ['mrn', 'dateOfBirth', 'phone', 'staffNotes'];

function Unavailable() {
  return (
    <div className="flex h-full items-center justify-center" data-testid="patient-unavailable">
      <EmptyState title="This record is not available">
        It does not exist, or you are not allowed to see it.{' '}
        <NavLink to="/" className="text-teal-800 underline">Back to your inbox</NavLink>
      </EmptyState>
    </div>
  );
}

/** The fields that changed, with blanks as null (which clears them). */
function changes(form, profile) {
  const input = {};
  for (const f of FIELDS) {
    const v = form[f].trim() === '' ? null : form[f].trim();
    if (v !== (profile[f] ?? null)) input[f] = v;
  }
  return input;
}

function Editor({ profile, onSaved }) {
  const toForm = (p) => Object.fromEntries(FIELDS.map((f) => [f, p[f] ?? '']));
  const [form, setForm] = useState(() => toForm(profile));
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const [update, { loading }] = useMutation(UPDATE_PATIENT);
  useEffect(() => setForm(toForm(profile)), [profile]);
  const set = (f) => (e) => setForm({ ...form, [f]: e.target.value });
  const today = new Date().toISOString().slice(0, 10);

  async function save(e) {
    e.preventDefault();
    setError(null);
    setDone(null);
    const input = changes(form, profile);
    if (Object.keys(input).length === 0) return setDone('Nothing changed.');
    if (input.dateOfBirth && input.dateOfBirth > today) return setError('dateOfBirth: the date of birth cannot be in the future.');
    try {
      await update({ variables: { userId: profile.user.id, input } });
      setDone('The record was saved.');
      onSaved?.();
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <form onSubmit={save} className="grid gap-4 sm:grid-cols-2" aria-label="Edit the record">
      <Field label="Medical record number" value={form.mrn} onChange={set('mrn')} maxLength={32} hint="Unique; letters, digits and - ." />
      <Field label="Date of birth" type="date" value={form.dateOfBirth} onChange={set('dateOfBirth')} max={today} />
      <Field label="Phone" type="tel" value={form.phone} onChange={set('phone')} maxLength={16} hint="International form, e.g. +4915112345678." />
      <Field as="textarea" rows={4} className="sm:col-span-2" label="Staff notes" value={form.staffNotes} onChange={set('staffNotes')}
        maxLength={10000} hint="Seen by staff only, never by the patient." />
      <div className="flex items-center gap-3 sm:col-span-2">
        <Button type="submit" disabled={loading}>{loading ? 'Saving…' : 'Save record'}</Button>
        {error && <Alert className="flex-1">{error}</Alert>}
        {done && !error && <Alert kind="success" className="flex-1">{done}</Alert>}
      </div>
    </form>
  );
}

function ReadOnly({ profile }) {
  const row = (label, v) => (
    <div className="rounded-lg bg-slate-50 p-3">
      <dt className="text-xs font-medium text-slate-600">{label}</dt>
      <dd className="mt-0.5 text-slate-900">{v || <span className="text-slate-400">not recorded</span>}</dd>
    </div>
  );
  return (
    <dl className="grid gap-3 sm:grid-cols-3">
      {row('Medical record number', profile.mrn)}
      {row('Date of birth', profile.dateOfBirth)}
      {row('Phone', profile.phone)}
    </dl>
  );
}

function FindPatient() {
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setQ(text.trim()), 300);
    return () => clearTimeout(t);
  }, [text]);
  const { data, loading, error } = useQuery(PATIENTS, { variables: { search: q, limit: 20 }, skip: !q, fetchPolicy: 'network-only' });
  return (
    <section aria-labelledby="find-title" className="flex flex-col gap-2 rounded-xl border border-slate-200 bg-white p-4">
      <h2 id="find-title" className="font-semibold text-slate-900">Find a patient</h2>
      <Field label="Name, email, record number or date of birth" type="search" value={text} onChange={(e) => setText(e.target.value)} maxLength={100} />
      {error && <Alert>{errorMessage(error)}</Alert>}
      {loading && <Spinner label="Searching" />}
      {data && (
        <ul aria-label="Patients found" className="divide-y divide-slate-100">
          {data.patients.length === 0 && <li className="py-2 text-sm text-slate-500">No patient found.</li>}
          {data.patients.map((p) => (
            <li key={p.user.id} className="py-2 text-sm">
              <NavLink to={`/patients/${encodeURIComponent(p.user.id)}`} className="font-medium text-teal-800 underline">{p.user.displayName}</NavLink>
              <span className="ml-2 text-slate-500">{[p.user.email, p.mrn, p.dateOfBirth].filter(Boolean).join(' · ')}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function PatientPage({ userId }) {
  const { user } = useSession();
  const staff = user.role === 'STAFF' || user.role === 'ADMIN';
  // A patient asks only for their own record: another id is not even sent.
  const mayAsk = userId !== null && (staff || userId === user.id);
  const { data, loading, error, refetch } = useQuery(PATIENT, { variables: { userId }, skip: !mayAsk, fetchPolicy: 'network-only' });
  const profile = data?.patient;
  const code = error ? errorCode(error) : null;

  useEffect(() => {
    if (profile) document.title = `${profile.user.displayName} · Clinic Messages`;
    return () => { document.title = 'Clinic Messages'; };
  }, [profile]);

  let body;
  if (userId === null) body = staff ? null : <Unavailable />;
  else if (!mayAsk || code === 'FORBIDDEN' || code === 'NOT_FOUND' || code === 'BAD_USER_INPUT' || (data && !profile)) body = <Unavailable />;
  else if (error && !profile) body = <Alert>{errorMessage(error)}</Alert>;
  // Only before the first answer: a refetch after saving keeps the form (and its "saved").
  else if (!profile) body = <Spinner label="Loading the record" />;
  else {
    body = (
      <div className="flex flex-col gap-4" data-testid="patient-record">
        <section aria-labelledby="patient-title" className="rounded-xl border border-slate-200 bg-white p-4">
          <h1 id="patient-title" className="text-xl font-semibold text-slate-900">{profile.user.displayName}</h1>
          <p className="mb-4 text-sm text-slate-500">{profile.user.email}</p>
          {staff ? <Editor profile={profile} onSaved={() => refetch().catch(() => {})} /> : <ReadOnly profile={profile} />}
        </section>
        <section aria-labelledby="conv-title" className="rounded-xl border border-slate-200 bg-white p-4">
          <h2 id="conv-title" className="mb-2 font-semibold text-slate-900">Conversations</h2>
          {profile.conversations.length === 0 ? <p className="text-sm text-slate-500">None.</p> : (
            <ul className="divide-y divide-slate-100" aria-label="Conversations of this patient">
              {profile.conversations.map((r) => (
                <li key={r.id} className="flex items-center gap-2 py-2 text-sm">
                  <NavLink to={`/rooms/${encodeURIComponent(r.id)}`} className="font-medium text-teal-800 underline">{r.name}</NavLink>
                  <StatusBadge status={r.status} />
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    );
  }

  return (
    <main id="main" className="h-full overflow-y-auto">
      <div className="mx-auto flex max-w-3xl flex-col gap-4 p-3 sm:p-6">
        {body}
        {staff && <FindPatient />}
      </div>
    </main>
  );
}
