// Small building blocks shared by the pages.
import { useId } from 'react';

const cx = (...c) => c.filter(Boolean).join(' ');

export function Button({ variant = 'primary', size = 'md', className, ...props }) {
  const base = 'inline-flex items-center justify-center gap-2 rounded-lg font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-50';
  const sizes = { sm: 'px-2.5 py-1.5 text-sm', md: 'px-4 py-2 text-sm' };
  const variants = {
    primary: 'bg-teal-700 text-white hover:bg-teal-800',
    secondary: 'border border-slate-300 bg-white text-slate-800 hover:bg-slate-50',
    ghost: 'text-slate-700 hover:bg-slate-100',
    danger: 'bg-red-700 text-white hover:bg-red-800',
  };
  return <button type="button" className={cx(base, sizes[size], variants[variant], className)} {...props} />;
}

export function Field({ label, hint, error, className, as = 'input', ...props }) {
  const id = useId();
  const Tag = as;
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div className={cx('flex flex-col gap-1', className)}>
      <label htmlFor={id} className="text-sm font-medium text-slate-800">{label}</label>
      <Tag
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 placeholder:text-slate-400 aria-invalid:border-red-600"
        {...props}
      />
      {hint && <p id={`${id}-hint`} className="text-xs text-slate-500">{hint}</p>}
      {error && <p id={`${id}-error`} className="text-xs text-red-700">{error}</p>}
    </div>
  );
}

export function Alert({ kind = 'error', children, className, ...props }) {
  const styles = {
    error: 'border-red-200 bg-red-50 text-red-800',
    info: 'border-sky-200 bg-sky-50 text-sky-900',
    success: 'border-emerald-200 bg-emerald-50 text-emerald-900',
    warning: 'border-amber-200 bg-amber-50 text-amber-900',
  };
  return (
    <div role={kind === 'error' ? 'alert' : 'status'} className={cx('rounded-lg border px-3 py-2 text-sm', styles[kind], className)} {...props}>
      {children}
    </div>
  );
}

export function Spinner({ label = 'Loading' }) {
  return (
    <span role="status" className="inline-flex items-center gap-2 text-sm text-slate-500">
      <span aria-hidden="true" className="size-4 animate-spin rounded-full border-2 border-slate-300 border-t-teal-700" />
      {label}…
    </span>
  );
}

export function EmptyState({ title, children }) {
  return (
    <div className="flex flex-col items-center justify-center gap-2 px-6 py-12 text-center">
      <p className="font-medium text-slate-700">{title}</p>
      {children && <div className="max-w-sm text-sm text-slate-500">{children}</div>}
    </div>
  );
}

export function RoleBadge({ role }) {
  const styles = { ADMIN: 'bg-violet-100 text-violet-800', STAFF: 'bg-teal-100 text-teal-800', PATIENT: 'bg-slate-100 text-slate-700' };
  const words = { ADMIN: 'Admin', STAFF: 'Staff', PATIENT: 'Patient' };
  return <span className={cx('rounded px-1.5 py-0.5 text-xs font-medium', styles[role])}>{words[role] || role}</span>;
}

const STATUS_STYLES = {
  OPEN: 'bg-sky-100 text-sky-900',
  PENDING: 'bg-amber-100 text-amber-900',
  RESOLVED: 'bg-emerald-100 text-emerald-900',
};
const STATUS_WORDS = { OPEN: 'Open', PENDING: 'Pending', RESOLVED: 'Resolved' };

export function StatusBadge({ status }) {
  return (
    <span data-testid="room-status" className={cx('rounded px-1.5 py-0.5 text-xs font-medium', STATUS_STYLES[status] || 'bg-slate-100 text-slate-700')}>
      {STATUS_WORDS[status] || status}
    </span>
  );
}

export function TagList({ tags, className }) {
  return (
    <ul aria-label="Tags" className={cx('flex flex-wrap gap-1', className)}>
      {tags.map((t) => (
        <li key={t} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[11px] text-slate-700">#{t}</li>
      ))}
    </ul>
  );
}

export { cx };
