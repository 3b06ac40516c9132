// A tiny element factory: h('button', { type: 'button', onclick }, 'Save').
// Text always goes in as text nodes, never as HTML.

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') {
      element.className = value;
    } else if (key === 'text') {
      element.textContent = value;
    } else if (key === 'style' && typeof value === 'object') {
      for (const [name, styleValue] of Object.entries(value)) {
        if (styleValue != null) element.style.setProperty(name, String(styleValue));
      }
    } else if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) {
      element.setAttribute(key, '');
    } else {
      element.setAttribute(key, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

/** Replaces the children of `element`; like append(), arrays are flattened and null skipped. */
export function fill(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

/** CSS.escape for attribute selectors built from data (tag labels, SKUs). */
export function cssEscape(value) {
  return globalThis.CSS?.escape ? CSS.escape(value) : String(value).replace(/["\\]/g, '\\$&');
}

/** Remembers which element inside `container` has focus (by data-testid or id). */
export function captureFocus(container) {
  const active = document.activeElement;
  if (!active || active === document.body || !container.contains(active)) return null;
  return { testid: active.getAttribute('data-testid'), id: active.id || null };
}

/** Gives focus back to the element matching `key` from captureFocus(), else to `fallback()`. */
export function restoreFocus(container, key, fallback) {
  if (!key) return;
  let target = null;
  if (key.testid) target = container.querySelector(`[data-testid="${cssEscape(key.testid)}"]`);
  if (!target && key.id) target = container.querySelector(`#${cssEscape(key.id)}`);
  if (target && !target.disabled) target.focus();
  else fallback?.()?.focus?.();
}

/** Re-renders `container` with `render()` while keeping keyboard focus where it was. */
export function preservingFocus(container, render, fallback) {
  const key = captureFocus(container);
  render();
  restoreFocus(container, key, fallback);
}
