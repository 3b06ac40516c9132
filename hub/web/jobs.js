// The jobs view: recent jobs with their progress. The list loads when the view opens (and on
// Refresh, start and cancel); each queued or running job in it then follows its jobProgress
// subscription (live.js) until it ends, with no polling. Start an auto-tag job, cancel one.

import { h, clear, captureFocus, cssEscape, restoreFocus } from '/static/dom.js';
import { gql } from '/static/graphql.js';
import { liveClient } from '/static/live.js';
import { CANCEL_JOB, WATCH_JOB_PROGRESS, JOBS, START_AUTO_TAG_JOB } from '/static/operations.js';
import { formatDate, formatRate, formatSeconds } from '/static/format.js';
import { showError, showStatus } from '/static/status.js';

const ACTIVE_STATES = new Set(['QUEUED', 'RUNNING']);
const KIND_LABELS = { AUTO_TAG: 'Auto-tag', RERENDER: 'Re-render', REINDEX: 'Re-index' };
const STATE_LABELS = {
  QUEUED: 'Queued', RUNNING: 'Running', SUCCEEDED: 'Succeeded', FAILED: 'Failed', CANCELLED: 'Cancelled',
};

export function createJobsView({ tbody, startButton, onlyUntagged, refreshButton, onJobsSettled }) {
  let open = false;
  let sequence = 0;
  let shown = [];
  const following = new Map(); // job id -> stops its subscription

  startButton.addEventListener('click', () => startAutoTag());
  refreshButton.addEventListener('click', () => refresh());

  /** Follows every active job shown, and stops following the others. */
  function follow() {
    const active = new Set(shown.filter((job) => ACTIVE_STATES.has(job.state)).map((job) => job.id));
    for (const [id, stop] of following) {
      if (!active.has(id)) {
        stop();
        following.delete(id);
      }
    }
    for (const id of active) {
      if (following.has(id)) continue;
      following.set(id, liveClient().subscribe(WATCH_JOB_PROGRESS, { id }, {
        next: (data) => changed(data.jobProgress),
        error: (error) => {
          following.delete(id);
          if (open) showError(error, 'Live progress of a job stopped; use Refresh');
        },
        complete: () => following.delete(id),
      }));
    }
  }

  function unfollowAll() {
    for (const stop of following.values()) stop();
    following.clear();
  }

  /** One job's new state from its subscription. */
  function changed(job) {
    const index = shown.findIndex((candidate) => candidate.id === job.id);
    if (!open || index < 0) return;
    const before = shown[index];
    shown = shown.map((candidate, at) => (at === index ? job : candidate));
    render(shown);
    if (ACTIVE_STATES.has(before.state) && !ACTIVE_STATES.has(job.state)) onJobsSettled?.([job]);
  }

  function renderRow(job) {
    const active = ACTIVE_STATES.has(job.state);
    const progress = h('progress', { 'aria-label': `Progress of ${KIND_LABELS[job.kind] ?? job.kind} job ${job.id}` });
    if (job.total > 0) {
      progress.max = job.total;
      progress.value = Math.min(job.processed, job.total);
    } else if (!active) {
      progress.max = 1;
      progress.value = 1;
    } // else: indeterminate until the job knows its total
    return h('tr', { 'data-testid': 'job-row', 'data-job-id': job.id, 'data-state': job.state },
      h('th', { scope: 'row' }, KIND_LABELS[job.kind] ?? job.kind),
      h('td', {}, h('span', { class: `badge badge--${job.state.toLowerCase()}`, 'data-testid': 'job-state' },
        STATE_LABELS[job.state] ?? job.state, job.cancelRequested && active ? ' (cancelling)' : '')),
      h('td', {}, h('div', { class: 'job__progress' }, progress,
        h('span', { class: 'job__numbers' }, `${job.processed} / ${job.total}`))),
      h('td', { class: job.failed ? 'job__failed' : '' }, String(job.failed)),
      h('td', {}, formatRate(job.ratePerSecond)),
      h('td', {}, active ? formatSeconds(job.etaSeconds) : '—'),
      h('td', {}, formatDate(job.createdAt), job.error ? h('div', { class: 'job__error' }, job.error) : null),
      h('td', {}, active ? h('button', {
        type: 'button',
        class: 'button button--small button--quiet',
        'data-testid': `cancel-job-${job.id}`,
        'aria-label': `Cancel ${KIND_LABELS[job.kind] ?? job.kind} job ${job.id}`,
        disabled: job.cancelRequested,
        onclick: (event) => cancel(job, event.currentTarget),
      }, job.cancelRequested ? 'Cancelling…' : 'Cancel') : null));
  }

  function render(jobs) {
    const table = tbody.closest('table');
    const focus = captureFocus(table);
    clear(tbody);
    if (!jobs.length) {
      tbody.append(h('tr', {}, h('td', { colspan: '8', class: 'muted' }, 'No jobs yet.')));
    } else {
      tbody.append(...jobs.map(renderRow));
    }
    restoreFocus(table, focus, () => refreshButton);
  }

  async function refresh() {
    if (!open) return;
    const mine = ++sequence;
    tbody.closest('table').setAttribute('aria-busy', 'true');
    try {
      const data = await gql(JOBS, { first: 20 });
      if (mine !== sequence || !open) return;
      const wasActive = new Set(shown.filter((job) => ACTIVE_STATES.has(job.state)).map((job) => job.id));
      shown = data.jobs;
      render(shown);
      follow();
      const settled = shown.filter((job) => wasActive.has(job.id) && !ACTIVE_STATES.has(job.state));
      if (settled.length) onJobsSettled?.(settled);
    } catch (error) {
      if (mine !== sequence || !open) return;
      showError(error, 'Could not load the jobs');
    } finally {
      if (mine === sequence) tbody.closest('table').setAttribute('aria-busy', 'false');
    }
  }

  async function startAutoTag() {
    startButton.disabled = true;
    try {
      await gql(START_AUTO_TAG_JOB, { onlyUntagged: onlyUntagged.checked });
      showStatus('Auto-tag job started.', { tone: 'success' });
      await refresh();
    } catch (error) {
      showError(error, 'Could not start the auto-tag job');
    } finally {
      startButton.disabled = false;
    }
  }

  async function cancel(job, button) {
    button.disabled = true;
    try {
      const data = await gql(CANCEL_JOB, { id: job.id });
      showStatus(
        data.cancelJob.state === 'CANCELLED' ? 'Job cancelled.' : 'Cancelling the job…',
        { tone: 'success' },
      );
      await refresh();
    } catch (error) {
      if (button.isConnected) button.disabled = false;
      showError(error, 'Could not cancel the job');
    } finally {
      // The button may be gone (the job stopped) or disabled; keep focus in the view.
      if (!document.activeElement || document.activeElement === document.body) {
        const again = tbody.querySelector(`[data-job-id="${cssEscape(job.id)}"] button:not([disabled])`);
        (again ?? refreshButton).focus();
      }
    }
  }

  return {
    show() {
      open = true;
      return refresh();
    },
    hide() {
      open = false;
      sequence += 1;
      unfollowAll();
    },
    get isOpen() {
      return open;
    },
  };
}
