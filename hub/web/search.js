// The search form (text, mode) and the facet checkboxes (kinds, tags, products). It owns the current
// query and filter; `onSearch` runs whenever they change (Enter, the Search button, a facet).

import { h, clear, captureFocus, restoreFocus } from '/static/dom.js';
import { gql } from '/static/graphql.js';
import { ASSET_FACETS } from '/static/operations.js';
import { kindLabel } from '/static/format.js';
import { showError } from '/static/status.js';

export function createSearch({ form, input, modeSelect, kindsBox, tagsBox, skusBox, clearButton, onSearch }) {
  const kinds = new Set();
  const tags = new Set();
  const skus = new Set();
  const selections = { kind: kinds, tag: tags, sku: skus };
  const anySelected = () => kinds.size || tags.size || skus.size;
  let facetSequence = 0;
  let lastFacets = { kinds: [], tags: [], skus: [] };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onSearch(current());
  });
  modeSelect.addEventListener('change', () => {
    if (input.value.trim()) onSearch(current());
  });
  clearButton.addEventListener('click', () => {
    kinds.clear();
    tags.clear();
    skus.clear();
    onSearch(current());
  });
  for (const box of [kindsBox, tagsBox, skusBox]) {
    box.addEventListener('change', (event) => {
      const checkbox = event.target;
      if (!(checkbox instanceof HTMLInputElement) || checkbox.type !== 'checkbox') return;
      const set = selections[checkbox.name];
      if (checkbox.checked) set.add(checkbox.value);
      else set.delete(checkbox.value);
      onSearch(current());
    });
  }

  function filter() {
    if (!anySelected()) return null;
    const result = {};
    if (kinds.size) result.kinds = [...kinds];
    if (tags.size) result.tags = [...tags];
    if (skus.size) result.skus = [...skus];
    return result;
  }

  /** { query, mode, filter }; query is '' when the box is empty. */
  function current() {
    return { query: input.value.trim(), mode: modeSelect.value, filter: filter() };
  }

  function renderGroup(box, name, counts, selected, label, testidPrefix) {
    // Checked values stay listed even when the current selection has none of them.
    const values = new Map(counts.map((facet) => [facet.value, facet.count]));
    for (const value of selected) if (!values.has(value)) values.set(value, 0);
    const focus = captureFocus(box);
    clear(box);
    if (!values.size) {
      box.append(h('p', { class: 'muted' }, 'None'));
      return;
    }
    box.append(h('ul', { class: 'facets__list' }, [...values].map(([value, count]) => h('li', {},
      h('label', { class: 'facet' },
        h('input', {
          type: 'checkbox',
          name,
          value,
          checked: selected.has(value),
          'data-testid': `${testidPrefix}${value}`,
        }),
        h('span', { class: 'facet__label' }, label(value)),
        h('span', { class: 'facet__count' }, String(count)))))));
    restoreFocus(box, focus, () => null);
  }

  function renderFacets(facets) {
    lastFacets = facets;
    renderGroup(kindsBox, 'kind', facets.kinds, kinds, (value) => kindLabel(value, { plural: true }), 'facet-kind-');
    renderGroup(tagsBox, 'tag', facets.tags, tags, (value) => value, 'facet-tag-');
    renderGroup(skusBox, 'sku', facets.skus, skus, (value) => value, 'facet-sku-');
    clearButton.hidden = !anySelected();
  }

  async function refreshFacets() {
    const mine = ++facetSequence;
    const { query, filter: selection } = current();
    clearButton.hidden = !anySelected();
    try {
      const data = await gql(ASSET_FACETS, { query: query || null, filter: selection });
      if (mine === facetSequence) renderFacets(data.assetFacets);
    } catch (error) {
      if (mine === facetSequence) {
        renderFacets(lastFacets);
        showError(error, 'Could not load the filters');
      }
    }
  }

  return { current, refreshFacets };
}
