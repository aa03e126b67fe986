// A patient opens a conversation with the clinic: a subject and a first message.
// Each attempt has its idempotency key, kept while the dialog is open, so that a
// retry after a failure (the network, a double click) gives the same room.
import { useEffect, useRef, useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { START_CONVERSATION } from '../lib/graphql.js';
import { errorMessage } from '../lib/errors.js';
import { newKey } from '../lib/ids.js';
import { navigate } from '../lib/router.js';
import { Alert, Button, Field } from './ui.jsx';

const MAX_SUBJECT = 120;
const MAX_BODY = 4000;

export function NewConversationDialog({ onClose, onCreated }) {
  const ref = useRef(null);
  const key = useRef(newKey());
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [error, setError] = useState(null);
  const [start, { loading }] = useMutation(START_CONVERSATION);

  useEffect(() => {
    const d = ref.current;
    d.showModal();
    return () => d.close();
  }, []);

  // What the patient writes is a new attempt, with a new key; a retry of the same words keeps it.
  const change = (set) => (e) => {
    set(e.target.value);
    key.current = newKey();
  };

  async function submit(e) {
    e.preventDefault();
    setError(null);
    const s = subject.trim();
    const b = body.trim();
    if (!s) return setError('Give the conversation a subject.');
    if ([...s].length > MAX_SUBJECT) return setError(`The subject is longer than ${MAX_SUBJECT} characters.`);
    if (!b) return setError('Write your first message.');
    if ([...b].length > MAX_BODY) return setError(`The message is longer than ${MAX_BODY} characters.`);
    try {
      const { data } = await start({ variables: { subject: s, body: b, idempotencyKey: key.current } });
      onCreated?.(data.startConversation);
      onClose();
      navigate(`/rooms/${encodeURIComponent(data.startConversation.id)}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <dialog
      ref={ref}
      onCancel={(e) => { e.preventDefault(); onClose(); }}
      aria-labelledby="new-conv-title"
      className="m-auto w-[calc(100%-2rem)] max-w-lg rounded-xl border border-slate-200 p-0 shadow-xl backdrop:bg-slate-900/40"
    >
      <form onSubmit={submit} className="flex max-h-[90dvh] flex-col gap-4 overflow-y-auto p-5">
        <h2 id="new-conv-title" className="text-lg font-semibold text-slate-900">New conversation</h2>
        <p className="text-sm text-slate-600">Your care team sees it in their inbox and answers here.</p>
        <Field label="Subject" value={subject} onChange={change(setSubject)} required maxLength={MAX_SUBJECT} autoFocus
          hint={`Up to ${MAX_SUBJECT} characters, for example "Question about my prescription".`} />
        <Field as="textarea" rows={4} label="Your message" value={body} onChange={change(setBody)} required maxLength={MAX_BODY} />
        {error && <Alert>{error}</Alert>}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>Cancel</Button>
          <Button type="submit" disabled={loading}>{loading ? 'Sending…' : 'Start conversation'}</Button>
        </div>
      </form>
    </dialog>
  );
}
