// The admin page: the state of the message pipeline and the dead letters.
import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { DEAD_LETTERS, QUEUE_STATS, RETRY_DEAD_LETTER } from '../lib/graphql.js';
import { errorMessage } from '../lib/errors.js';
import { longTime, shortTime } from '../lib/time.js';
import { Alert, Button, EmptyState, Spinner } from './ui.jsx';

const STATS = [
  ['length', 'Entries in the streams', 'What the streams hold now.'],
  ['lag', 'Not yet read', 'Entries the worker group has not read.'],
  ['pending', 'Read, not acknowledged', 'Entries being written to the database.'],
  ['deadLetters', 'Dead letters', 'Messages the worker could not store.'],
  ['consumers', 'Workers', 'Consumers in the worker group.'],
  ['streams', 'Streams', 'Message streams rooms are spread over.'],
];

function QueueStats() {
  const { data, loading, error, refetch } = useQuery(QUEUE_STATS, { pollInterval: 5000, fetchPolicy: 'network-only' });
  const s = data?.queueStats;
  return (
    <section aria-labelledby="stats-title" className="rounded-xl border border-slate-200 bg-white p-4">
      <div className="mb-3 flex items-center justify-between gap-2">
        <h2 id="stats-title" className="font-semibold text-slate-900">Message pipeline</h2>
        <Button variant="secondary" size="sm" onClick={() => refetch().catch(() => {})}>Refresh</Button>
      </div>
      {error && <Alert className="mb-3">{errorMessage(error)}</Alert>}
      {loading && !s && <Spinner label="Loading queue statistics" />}
      {s && (
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3" data-testid="queue-stats">
          {STATS.map(([key, label, help]) => (
            <div key={key} className="rounded-lg bg-slate-50 p-3">
              <dt className="text-xs font-medium text-slate-600" title={help}>{label}</dt>
              <dd className={`mt-1 text-2xl font-semibold tabular-nums ${key === 'deadLetters' && s[key] > 0 ? 'text-red-700' : 'text-slate-900'}`}>
                {s[key].toLocaleString()}
              </dd>
            </div>
          ))}
        </dl>
      )}
      <p className="mt-3 text-xs text-slate-500">Refreshes every 5 seconds.</p>
    </section>
  );
}

function DeadLetters() {
  const { data, loading, error, refetch } = useQuery(DEAD_LETTERS, { variables: { limit: 50 }, fetchPolicy: 'network-only' });
  const [retry] = useMutation(RETRY_DEAD_LETTER, { refetchQueries: [QUEUE_STATS] });
  const [busy, setBusy] = useState(null);
  const [result, setResult] = useState(null);
  const list = data?.deadLetters || [];

  async function doRetry(d) {
    setBusy(d.id);
    setResult(null);
    try {
      await retry({ variables: { id: d.id } });
      setResult({ kind: 'success', text: `Dead letter ${d.id} was sent through the pipeline again.` });
      await refetch();
    } catch (e) {
      setResult({ kind: 'error', text: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  }

  return (
    <section aria-labelledby="dl-title" className="rounded-xl border border-slate-200 bg-white p-4">
      <div className="mb-3 flex items-center justify-between gap-2">
        <h2 id="dl-title" className="font-semibold text-slate-900">Dead letters</h2>
        <Button variant="secondary" size="sm" onClick={() => refetch().catch(() => {})}>Refresh</Button>
      </div>
      {result && <Alert kind={result.kind} className="mb-3">{result.text}</Alert>}
      {error && <Alert className="mb-3">{errorMessage(error)}</Alert>}
      {loading && !data && <Spinner label="Loading dead letters" />}
      {data && list.length === 0 && (
        <EmptyState title="No dead letters">Every accepted message has been stored.</EmptyState>
      )}
      {list.length > 0 && (
        <ul className="flex flex-col gap-3" aria-label="Dead letters" data-testid="dead-letters">
          {list.map((d) => (
            <li key={d.id} className="rounded-lg border border-slate-200 p-3">
              <div className="flex flex-wrap items-start justify-between gap-2">
                <div className="min-w-0">
                  <p className="text-sm font-medium text-slate-900">{d.error}</p>
                  <p className="mt-0.5 text-xs text-slate-500">
                    Failed <time dateTime={d.failedAt} title={longTime(d.failedAt)}>{shortTime(d.failedAt)}</time>
                    {' · '}{d.deliveries} {d.deliveries === 1 ? 'delivery' : 'deliveries'}
                    {d.roomId && <> · room {d.roomId}</>}
                    {d.messageId && <> · message {d.messageId}</>}
                  </p>
                </div>
                <Button size="sm" onClick={() => doRetry(d)} disabled={busy !== null} aria-label={`Retry dead letter ${d.id}`}>
                  {busy === d.id ? 'Retrying…' : 'Retry'}
                </Button>
              </div>
              <details className="mt-2">
                <summary className="cursor-pointer text-xs text-slate-600">Stream entry</summary>
                <pre className="mt-1 overflow-x-auto rounded bg-slate-50 p-2 text-xs text-slate-700">{d.entry}</pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function Admin() {
  return (
    <main id="main" className="h-full overflow-y-auto">
      <div className="mx-auto flex max-w-4xl flex-col gap-4 p-3 sm:p-6">
        <h1 className="text-xl font-semibold text-slate-900">Administration</h1>
        <QueueStats />
        <DeadLetters />
      </div>
    </main>
  );
}
