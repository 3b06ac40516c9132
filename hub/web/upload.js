// Uploads: a drop zone plus a visible file input. Each file goes out as its own GraphQL
// multipart request (uploadAsset) through XMLHttpRequest, with a <progress> fed by
// upload.onprogress; finished assets are handed to `onUploaded`.

import { h } from '/static/dom.js';
import { gqlUpload } from '/static/graphql.js';
import { UPLOAD_DROPPED_FILE } from '/static/operations.js';
import { formatBytes } from '/static/format.js';
import { showError, showStatus } from '/static/status.js';

const PARALLEL_UPLOADS = 3;

export function createUploader({ zone, input, skuInput, list, onUploaded }) {
  const queue = [];
  let active = 0;

  function hasFiles(event) {
    return [...(event.dataTransfer?.types ?? [])].includes('Files');
  }

  zone.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    zone.classList.add('is-dragging');
  });
  zone.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    zone.classList.add('is-dragging');
  });
  zone.addEventListener('dragleave', (event) => {
    if (!zone.contains(event.relatedTarget)) zone.classList.remove('is-dragging');
  });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('is-dragging');
    addFiles(event.dataTransfer?.files);
  });
  // A file dropped next to the zone must not replace the page.
  for (const type of ['dragover', 'drop']) {
    window.addEventListener(type, (event) => {
      if (hasFiles(event) && !zone.contains(event.target)) event.preventDefault();
    });
  }
  input.addEventListener('change', () => {
    addFiles(input.files);
    input.value = ''; // choosing the same file again uploads it again
  });

  function addFiles(fileList) {
    const files = [...(fileList ?? [])];
    if (!files.length) return;
    const sku = skuInput.value.trim() || null;
    for (const file of files) queue.push(createItem(file, sku));
    showStatus(`Uploading ${files.length} file${files.length === 1 ? '' : 's'}…`);
    pump();
  }

  function createItem(file, sku) {
    const progress = h('progress', {
      max: '100', value: '0', 'data-testid': 'upload-progress', 'aria-label': `Upload progress of ${file.name}`,
    });
    const state = h('span', { class: 'upload__state', 'data-testid': 'upload-state' }, 'Waiting');
    const row = h('li', { class: 'upload', 'data-testid': 'upload-item', 'data-state': 'waiting' },
      h('span', { class: 'upload__name' }, file.name),
      h('span', { class: 'upload__size' }, formatBytes(file.size)),
      progress,
      state);
    list.prepend(row);
    list.hidden = false;
    return { file, sku, row, progress, state };
  }

  function setState(item, key, text) {
    item.row.dataset.state = key;
    item.state.textContent = text;
  }

  function pump() {
    while (active < PARALLEL_UPLOADS && queue.length) {
      const item = queue.shift();
      active += 1;
      send(item).finally(() => {
        active -= 1;
        pump();
      });
    }
  }

  async function send(item) {
    setState(item, 'uploading', 'Uploading');
    try {
      const data = await gqlUpload(UPLOAD_DROPPED_FILE, { sku: item.sku }, { 'variables.file': item.file }, {
        onProgress({ loaded, total, sent }) {
          if (sent) {
            item.progress.value = 100;
            setState(item, 'processing', 'Processing');
          } else if (total > 0) {
            item.progress.value = Math.min(100, Math.round((loaded / total) * 100));
          }
        },
      });
      const asset = data.uploadAsset;
      item.progress.value = 100;
      setState(item, 'done', 'Done');
      item.row.dataset.assetId = asset.id;
      onUploaded?.(asset);
      showStatus(`Uploaded ${item.file.name}.`, { tone: 'success' });
    } catch (error) {
      item.progress.value = 0;
      setState(item, 'failed', `Failed: ${error.message}${error.code ? ` (${error.code})` : ''}`);
      item.row.dataset.errorCode = error.code ?? '';
      showError(error, `Upload of ${item.file.name} failed`);
    }
  }
}
