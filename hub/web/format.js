// Human-readable numbers for sizes, durations and dates.

const KIND_LABELS = { IMAGE: 'Image', VIDEO: 'Video', MODEL_3D: '3D model', DOCUMENT: 'Document' };
const KIND_PLURALS = { IMAGE: 'Images', VIDEO: 'Videos', MODEL_3D: '3D models', DOCUMENT: 'Documents' };

export function kindLabel(kind, { plural = false } = {}) {
  return (plural ? KIND_PLURALS : KIND_LABELS)[kind] ?? kind;
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDimensions(width, height) {
  return width && height ? `${width} × ${height} px` : '—';
}

export function formatSeconds(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return '—';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

export function formatRate(perSecond) {
  if (perSecond == null || !Number.isFinite(perSecond)) return '—';
  return `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1)} / s`;
}

export function formatDate(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? String(iso)
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatPercent(fraction) {
  return Number.isFinite(fraction) ? `${Math.round(fraction * 100)} %` : '';
}
