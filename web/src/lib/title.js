// The page title: what is shown (a room's name, or the app's) with the unread
// total in front, "(3) Clinic Messages", so a tab in the background says so.
import { titleWithUnread } from './liveState.js';

export const APP_TITLE = 'Clinic Messages';
let base = APP_TITLE;
let total = 0;

const apply = () => {
  if (typeof document !== 'undefined') document.title = titleWithUnread(base, total);
};

export function setTitleBase(b) {
  base = b || APP_TITLE;
  apply();
}

export function setUnreadTotal(n) {
  total = n;
  apply();
}
