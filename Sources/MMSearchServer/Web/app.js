// mmsearch web page: search as you type, search by example (drop / paste / upload), more like
// this, filters, keyboard navigation, indexing progress and the access token. Plain JavaScript,
// no build step, no dependencies; the API is /api/v1 (see `mmsearch serve --help`).
'use strict';

(() => {
  const API = '/api/v1';
  const PAGE = 40;            // results per page ("Show more" asks for PAGE more)
  const DEBOUNCE_MS = 200;
  const MODALITY_NAMES = { image: 'Image', text: 'Text', audio: 'Audio', video: 'Video' };

  // ---------------------------------------------------------------- small helpers

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  const ICONS = {
    search: '<circle cx="11" cy="11" r="7"/><path d="m20 20-4.2-4.2"/>',
    image: '<rect x="3" y="4" width="18" height="16" rx="3"/><circle cx="9" cy="10" r="2"/><path d="m21 16-5-5-9 9"/>',
    imageplus: '<path d="M21 12.5V17a3 3 0 0 1-3 3H6a3 3 0 0 1-3-3V7a3 3 0 0 1 3-3h6.5"/><circle cx="9" cy="10" r="2"/><path d="m21 17-4.5-4.5L7 20"/><path d="M18.5 2.5v6M15.5 5.5h6"/>',
    text: '<path d="M6 3h8l5 5v11a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/><path d="M14 3v5h5"/><path d="M8 13h8M8 17h5"/>',
    audio: '<path d="M4 10v4M8 6v12M12 3v18M16 7v10M20 10v4"/>',
    video: '<rect x="2.5" y="6" width="14" height="12" rx="2.5"/><path d="m16.5 10.5 5-3v9l-5-3z"/>',
    file: '<path d="M6 3h8l5 5v11a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/><path d="M14 3v5h5"/>',
    x: '<path d="M6 6l12 12M18 6 6 18"/>',
    similar: '<path d="M11 3.5l1.7 4.3 4.3 1.7-4.3 1.7L11 15.5l-1.7-4.3L5 9.5l4.3-1.7z"/><path d="M18.5 14l.9 2.1 2.1.9-2.1.9-.9 2.1-.9-2.1-2.1-.9 2.1-.9z"/>',
    folder: '<path d="M3 7.5A2.5 2.5 0 0 1 5.5 5H9l2 2.5h7.5A2.5 2.5 0 0 1 21 10v7.5a2.5 2.5 0 0 1-2.5 2.5h-13A2.5 2.5 0 0 1 3 17.5z"/>',
    tag: '<path d="M3 4.5V11l9.5 9.5a1.5 1.5 0 0 0 2.1 0l5.9-5.9a1.5 1.5 0 0 0 0-2.1L11 3H4.5A1.5 1.5 0 0 0 3 4.5z"/><circle cx="7.5" cy="7.5" r="1.3"/>',
    play: '<path d="M8 5.5v13l10.5-6.5z" fill="currentColor"/>',
    pause: '<path d="M7.5 5.5h3v13h-3zM13.5 5.5h3v13h-3z" fill="currentColor"/>',
    external: '<path d="M14 4h6v6"/><path d="M20 4 11 13"/><path d="M18 14v4a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h4"/>',
    left: '<path d="m15 18-6-6 6-6"/>',
    right: '<path d="m9 18 6-6-6-6"/>',
    refresh: '<path d="M20 12a8 8 0 1 1-2.3-5.7"/><path d="M20 4v5h-5"/>',
    lock: '<rect x="4.5" y="10.5" width="15" height="10" rx="2.5"/><path d="M8 10.5V7.5a4 4 0 0 1 8 0v3"/>',
    alert: '<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5v.01"/>',
    plus: '<path d="M12 5v14M5 12h14"/>',
    minus: '<path d="M5 12h14"/>',
    clock: '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
    calendar: '<rect x="3.5" y="5" width="17" height="15" rx="2"/><path d="M3.5 10h17M8 3v4M16 3v4"/>',
    camera: '<path d="M4 8h3l2-2.5h6L17 8h3a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V9a1 1 0 0 1 1-1z"/><circle cx="12" cy="13" r="3.5"/>',
    pin: '<path d="M12 21s-6.5-6.2-6.5-11a6.5 6.5 0 0 1 13 0c0 4.8-6.5 11-6.5 11z"/><circle cx="12" cy="10" r="2.3"/>',
  };

  function icon(name, cls = '') {
    return `<svg class="icon ${cls}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" ` +
      `stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${ICONS[name] || ''}</svg>`;
  }

  // el('button', {class: 'x', onclick: f}, 'text', child…); strings are text, never HTML.
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value == null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'html') node.innerHTML = value;            // only for our own icons
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (value === true) node.setAttribute(key, '');
      else node.setAttribute(key, String(value));
    }
    for (const child of children.flat()) {
      if (child == null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  // replaceChildren without the null / false placeholders of optional parts.
  const fill = (node, ...kids) => node.replaceChildren(...kids.flat().filter((k) => k != null && k !== false));

  const baseName = (p) => String(p || '').replace(/\/+$/, '').split('/').pop() || String(p || '');
  const dirName = (p) => { const s = String(p || ''); const i = s.lastIndexOf('/'); return i > 0 ? s.slice(0, i) : '/'; };
  const fmtScore = (s) => (typeof s === 'number' && isFinite(s) ? s.toFixed(2) : '–');
  const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;
  const sleep = (ms, signal) => new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    if (signal) signal.addEventListener('abort', () => { clearTimeout(t); reject(new DOMException('Aborted', 'AbortError')); }, { once: true });
  });

  function fmtTime(sec) {
    if (typeof sec !== 'number' || !isFinite(sec)) return '';
    const s = Math.max(0, Math.floor(sec + 0.0001));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? `${h}:${String(m).padStart(2, '0')}` : String(m)) + ':' + String(r).padStart(2, '0');
  }
  const fmtRange = (t) => (t ? (t.end > t.start ? `${fmtTime(t.start)}–${fmtTime(t.end)}` : fmtTime(t.start)) : '');
  // "2024-06-15T14:30:05+02:00" as the photographer's clock showed it: "15 Jun 2024, 14:30".
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const fmtWallClock = (v) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(v || '');
    return m ? `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}, ${m[4]}:${m[5]}` : (v || '');
  };
  const fmtPlace = (p) => `${Math.abs(p.latitude).toFixed(4)}°${p.latitude < 0 ? 'S' : 'N'} ${Math.abs(p.longitude).toFixed(4)}°${p.longitude < 0 ? 'W' : 'E'}`;

  function fmtBytes(n) {
    if (typeof n !== 'number') return '';
    const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
    let i = 0, v = n;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
    return i === 0 ? `${n} bytes` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
  }

  function fmtDate(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return '';
    return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  const thumbURL = (id, size = 256) => `${API}/files/${encodeURIComponent(id)}/thumbnail?size=${size}`;
  const contentURL = (id) => `${API}/files/${encodeURIComponent(id)}/content`;
  const mediaFragment = (t) => (t && typeof t.start === 'number'
    ? `#t=${t.start.toFixed(2)}${typeof t.end === 'number' && t.end > t.start ? ',' + t.end.toFixed(2) : ''}` : '');

  // ---------------------------------------------------------------- elements

  const input = $('#q');
  const form = $('#search-form');
  const field = $('#search-field');
  const grid = $('#results');
  const emptyBox = $('#empty');
  const noticeBox = $('#notice');
  const countBox = $('#result-count');
  const moreBtn = $('#show-more');
  const clearBtn = $('#clear');
  const fileInput = $('#file-input');
  const chipsBox = $('#query-chips');
  const termsBox = $('#terms');
  const dropZone = $('#drop-zone');
  const detail = $('#detail');
  const tokenDialog = $('#token-dialog');

  for (const node of $$('[data-icon]')) node.innerHTML = icon(node.dataset.icon);

  // ---------------------------------------------------------------- state

  const state = { q: '', modality: [], in: [], label: [], like: null, upload: null, top: PAGE,
                  after: '', before: '', camera: '', near: '', sort: '' };
  // Single-valued filters and the order, sent as they are (see the API's `after`, `before`,
  // `camera`, `near` and `sort`).
  const PHOTO_KEYS = ['after', 'before', 'camera', 'near', 'sort'];
  const photoPairs = () => PHOTO_KEYS.filter((k) => state[k]).map((k) => [k, state[k]]);
  function clearFilters() {
    state.modality = []; state.in = []; state.label = [];
    for (const k of PHOTO_KEYS) if (k !== 'sort') state[k] = '';
  }
  let likeInfo = null;          // {id, name, path, modality} of state.like, for its chip
  let uploadURL = null;         // object URL of the uploaded image, for its chip
  let results = [];
  let selected = -1;
  let searchSeq = 0;
  let controller = null;
  let debounceTimer = 0;
  let serverStatus = null;
  const knownLabels = new Set();
  const knownFolders = new Set();

  // ---------------------------------------------------------------- API access and the token

  let token = '';
  try { token = localStorage.getItem('mmsearch_token') || ''; } catch { /* private mode */ }
  if (token) setCookie(token);

  // The server percent-decodes the cookie's value; <img>, <audio> and the event stream rely on it.
  function setCookie(value) {
    document.cookie = `mmsearch_token=${encodeURIComponent(value)}; SameSite=Strict; path=/; max-age=31536000`;
  }

  class ApiError extends Error {
    constructor(status, code, message, retryAfter) {
      super(message);
      this.status = status; this.code = code; this.retryAfter = retryAfter;
    }
  }

  async function rawApi(path, opts = {}, useToken = token) {
    const headers = new Headers(opts.headers || {});
    if (useToken) headers.set('Authorization', `Bearer ${useToken}`);
    if (!headers.has('Accept')) headers.set('Accept', 'application/json');
    let res;
    try {
      res = await fetch(API + path, { ...opts, headers, credentials: 'same-origin' });
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      throw new ApiError(0, 'network', 'Cannot reach the mmsearch server. Is it still running?');
    }
    if (res.ok) return res.status === 204 ? null : res.json();
    let code = `http_${res.status}`, message = `${res.status} ${res.statusText || 'error'}`;
    try {
      const body = await res.json();
      if (body && body.error) { code = body.error.code || code; message = body.error.message || message; }
    } catch { /* not JSON */ }
    const retry = parseFloat(res.headers.get('Retry-After'));
    throw new ApiError(res.status, code, message, isFinite(retry) && retry > 0 ? retry : 1);
  }

  let tokenWait = null;           // one shared promise while the dialog is open
  function needToken() {
    if (!tokenWait) {
      tokenWait = new Promise((resolve) => openTokenDialog(resolve));
      tokenWait.then(() => { tokenWait = null; });
    }
    return tokenWait;
  }

  // api(): rawApi plus the token dialog on 401 and "Loading models…" retries on 503.
  async function api(path, opts = {}, onLoading = null) {
    for (;;) {
      try {
        return await rawApi(path, opts);
      } catch (err) {
        if (err.status === 401) { await needToken(); continue; }
        if (err.status === 503) {
          if (onLoading) onLoading(err);
          await sleep(Math.min(err.retryAfter, 10) * 1000, opts.signal);
          continue;
        }
        throw err;
      }
    }
  }

  function openTokenDialog(resolve) {
    const tokenInput = $('#token-input');
    const errorLine = $('#token-error');
    const submit = $('#token-submit');
    errorLine.textContent = token ? 'The saved token was not accepted. Enter the current one.' : '';
    tokenInput.value = '';
    const onSubmit = async (event) => {
      event.preventDefault();
      const candidate = tokenInput.value.trim();
      if (!candidate) { errorLine.textContent = 'Enter the token first.'; tokenInput.focus(); return; }
      submit.disabled = true;
      submit.classList.add('busy');
      errorLine.textContent = '';
      try {
        await rawApi('/stats', {}, candidate);
      } catch (err) {
        if (err.status === 401) {
          errorLine.textContent = 'That token was not accepted. Check it and try again.';
          tokenDialog.classList.remove('shake'); void tokenDialog.offsetWidth; tokenDialog.classList.add('shake');
          tokenInput.select();
          return;
        }
        // Anything else (loading, network) means the token itself is fine.
      } finally {
        submit.disabled = false;
        submit.classList.remove('busy');
      }
      token = candidate;
      try { localStorage.setItem('mmsearch_token', token); } catch { /* ignore */ }
      setCookie(token);
      $('#token-form').removeEventListener('submit', onSubmit);
      tokenDialog.close();
      resolve();
      connectEvents();          // the event stream needs the cookie too
    };
    $('#token-form').addEventListener('submit', onSubmit);
    if (!tokenDialog.open) tokenDialog.showModal();
    tokenInput.focus();
  }
  // Without a token the page can do nothing, so Esc does not dismiss the dialog.
  tokenDialog.addEventListener('cancel', (e) => e.preventDefault());

  // ---------------------------------------------------------------- query terms

  // "a dog +snow -cat" → [{text: "a dog", weight: 1}, {text: "snow", weight: 1}, {text: "cat", weight: -1}].
  // A + or − starts a new term (also written apart: `a dog + "in the snow"`); quotes group words.
  function parseTerms(text) {
    const terms = [];
    let current = null, pendingSign = 0, i = 0;
    const n = text.length;
    const isSpace = (c) => /\s/.test(c);
    while (i < n) {
      while (i < n && isSpace(text[i])) i++;
      if (i >= n) break;
      let sign = 0;
      const c = text[i];
      if (c === '+' || c === '-' || c === '\u2212') { sign = c === '+' ? 1 : -1; i++; }
      let word;
      if (text[i] === '"') {
        const close = text.indexOf('"', i + 1);
        word = text.slice(i + 1, close < 0 ? n : close);
        i = close < 0 ? n : close + 1;
      } else {
        let j = i;
        while (j < n && !isSpace(text[j])) j++;
        word = text.slice(i, j);
        i = j;
      }
      if (sign && !word) { pendingSign = sign; continue; }
      if (!sign && pendingSign) sign = pendingSign;
      pendingSign = 0;
      if (!word.trim()) continue;
      if (sign || !current) { current = { text: word, weight: sign || 1, start: terms.length }; terms.push(current); }
      else current.text += ' ' + word;
    }
    return terms.map(({ text: t, weight }) => ({ text: t, weight }));
  }

  // Words only need quotes when one of them would start a new term.
  const formatTerm = (t) => (t.text.split(/\s+/).some((w) => /^[+\-\u2212"]/.test(w)) ? `"${t.text.replace(/"/g, '')}"` : t.text);
  function termsToText(terms) {
    return terms.map((t, i) => (i === 0 && t.weight > 0 ? formatTerm(t) : `${t.weight > 0 ? '+' : '-'}${formatTerm(t)}`)).join(' ');
  }

  function renderTerms(terms) {
    termsBox.replaceChildren();
    const show = terms.length > 1 || terms.some((t) => t.weight < 0);
    termsBox.hidden = !show;
    if (!show) return;
    terms.forEach((term, index) => {
      const positive = term.weight > 0;
      termsBox.append(el('span', { class: `term ${positive ? 'plus' : 'minus'}` },
        el('span', { class: 'term-sign', 'aria-hidden': 'true' }, positive ? '+' : '−'),
        el('span', { class: 'visually-hidden' }, positive ? 'more of ' : 'less of '),
        term.text,
        el('button', {
          type: 'button', class: 'term-x', 'aria-label': `Remove term ${term.text}`, html: icon('x'),
          onclick: () => {
            const rest = terms.filter((_, i) => i !== index);
            input.value = termsToText(rest);
            state.q = input.value;
            runSearch({ push: true });
            input.focus();
          },
        })));
    });
    termsBox.append(el('span', { class: 'terms-hint' }, 'combined into one query'));
  }

  // ---------------------------------------------------------------- URL ⇄ state

  function readURL() {
    const p = new URLSearchParams(location.search);
    state.q = p.get('q') || '';
    state.modality = p.getAll('modality').filter(Boolean);
    state.in = p.getAll('in').filter(Boolean);
    state.label = p.getAll('label').filter(Boolean);
    for (const k of PHOTO_KEYS) state[k] = (p.get(k) || '').trim();
    const like = p.get('like');
    state.like = like && /^\d+$/.test(like) ? Number(like) : (like || null);
    if (state.like == null) likeInfo = null;
    else if (!likeInfo || String(likeInfo.id) !== String(state.like)) likeInfo = { id: state.like };
    setUpload(null);
    state.top = PAGE;
    input.value = state.q;
  }

  function stateURL() {
    const p = new URLSearchParams();
    if (state.q.trim()) p.set('q', state.q.trim());
    for (const m of state.modality) p.append('modality', m);
    for (const d of state.in) p.append('in', d);
    for (const l of state.label) p.append('label', l);
    for (const [k, v] of photoPairs()) p.set(k, v);
    if (state.like != null) p.set('like', String(state.like));
    const s = p.toString().replace(/\+/g, '%20');
    return location.pathname + (s ? `?${s}` : '');
  }

  function syncURL(mode) {
    const url = stateURL();
    if (url === location.pathname + location.search) return;
    if (mode === 'auto') {
      // Typing replaces the entry, but the first keystroke after an empty page starts a new one.
      const had = new URLSearchParams(location.search);
      mode = (!had.get('q') && !had.get('like') && state.q.trim()) ? 'push' : 'replace';
    }
    if (mode === 'push') history.pushState(null, '', url);
    else history.replaceState(null, '', url);
  }

  // ---------------------------------------------------------------- search

  function hasQuery(terms = parseTerms(state.q)) {
    return Boolean(state.upload) || state.like != null || terms.some((t) => t.weight > 0);
  }

  function filterFields() {
    const f = { top: state.top };
    if (state.modality.length) f.modality = state.modality;
    if (state.in.length) f.in = state.in;
    if (state.label.length) f.label = state.label;
    for (const [k, v] of photoPairs()) f[k] = v;
    return f;
  }

  function buildRequest(terms) {
    const filters = filterFields();
    if (state.upload) {
      const body = new FormData();
      body.append('file', state.upload, state.upload.name || 'pasted-image');
      body.append('top', String(filters.top));
      for (const m of state.modality) body.append('modality', m);
      for (const d of state.in) body.append('in', d);
      for (const l of state.label) body.append('label', l);
      for (const [k, v] of photoPairs()) body.append(k, v);
      return { path: '/search', opts: { method: 'POST', body } };
    }
    if (state.like == null && terms.length === 1 && terms[0].weight > 0) {
      const p = new URLSearchParams({ q: terms[0].text, top: String(filters.top) });
      for (const m of state.modality) p.append('modality', m);
      for (const d of state.in) p.append('in', d);
      for (const l of state.label) p.append('label', l);
      for (const [k, v] of photoPairs()) p.append(k, v);
      return { path: `/search?${p}`, opts: {} };
    }
    const jsonTerms = [];
    if (state.like != null) jsonTerms.push({ id: state.like, weight: 1 });
    for (const t of terms) jsonTerms.push({ text: t.text, weight: t.weight });
    // The combined vector starts from a term that adds; put one first.
    jsonTerms.sort((a, b) => (b.weight > 0) - (a.weight > 0));
    return {
      path: '/search',
      opts: { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ terms: jsonTerms, ...filters }) },
    };
  }

  function scheduleSearch() {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => runSearch({ push: 'auto' }), DEBOUNCE_MS);
  }

  // push: 'push' | 'replace' | 'auto' | true (= 'push') | false (leave the URL alone, e.g. on popstate)
  async function runSearch({ push = 'replace', keepTop = false } = {}) {
    clearTimeout(debounceTimer);
    if (!keepTop) state.top = PAGE;
    if (push) syncURL(push === true ? 'push' : push);
    const terms = parseTerms(state.q);
    renderTerms(terms);
    renderQueryChips();
    renderFilters();
    clearBtn.hidden = !(input.value || state.upload || state.like != null);
    if (controller) controller.abort();
    controller = null;
    const mySeq = ++searchSeq;
    if (!hasQuery(terms)) {
      setBusy(false);
      showNotice(null);
      results = [];
      grid.replaceChildren();
      moreBtn.hidden = true;
      countBox.textContent = '';
      renderEmpty(terms.length ? 'only-minus' : 'start');
      return;
    }
    const ctl = new AbortController();
    controller = ctl;
    setBusy(true);
    const { path, opts } = buildRequest(terms);
    try {
      const doc = await api(path, { ...opts, signal: ctl.signal }, () => {
        if (mySeq === searchSeq) showNotice('loading', 'Loading models…', 'The search models are still loading; this takes a few seconds after the server starts.');
      });
      if (mySeq !== searchSeq) return;             // a newer search owns the page
      showNotice(null);
      renderResults(doc, keepTop);
    } catch (err) {
      if (err.name === 'AbortError' || mySeq !== searchSeq) return;
      results = [];
      grid.replaceChildren();
      moreBtn.hidden = true;
      emptyBox.hidden = true;
      countBox.textContent = '';
      showNotice('error', err.message || 'The search failed.', null, () => runSearch({ push: false }));
    } finally {
      if (mySeq === searchSeq) { setBusy(false); if (controller === ctl) controller = null; }
    }
  }

  function setBusy(busy) {
    field.classList.toggle('busy', busy);
    grid.classList.toggle('stale', busy && results.length > 0);
    grid.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  function describeQuery(doc) {
    if (state.upload) return `like ${state.upload.name || 'the pasted image'}`;
    const terms = parseTerms(state.q);
    const words = terms.map((t, i) => (i === 0 && t.weight > 0 && state.like == null ? `“${t.text}”` : `${t.weight > 0 ? '+' : '−'}“${t.text}”`));
    if (state.like != null) return `like ${likeInfo && likeInfo.name ? likeInfo.name : `#${state.like}`}${words.length ? ' ' + words.join(' ') : ''}`;
    return `for ${words.join(' ')}`;
  }

  function renderResults(doc, keepScroll) {
    const previousId = selected >= 0 && results[selected] ? String(results[selected].id) : null;
    results = Array.isArray(doc && doc.results) ? doc.results : [];
    for (const r of results) {
      for (const l of r.labels || []) if (l && l.label) knownLabels.add(l.label);
      if (r.path) knownFolders.add(dirName(r.path));
    }
    refreshDatalists();
    grid.replaceChildren(...results.map(card));
    selected = -1;
    if (keepScroll && previousId != null) {
      const i = results.findIndex((r) => String(r.id) === previousId);
      if (i >= 0) select(i, { focus: false });
    }
    const n = results.length;
    countBox.textContent = n ? `${plural(n, 'result', 'results')} ${describeQuery(doc)}` : `No results ${describeQuery(doc)}`;
    moreBtn.hidden = !(n >= state.top && state.top < 1000);
    if (n) emptyBox.hidden = true;
    else renderEmpty('none');
  }

  // ---------------------------------------------------------------- result cards

  function card(r, index) {
    const name = baseName(r.path);
    const modality = r.modality || 'file';
    const part = r.part || null;
    const node = el('article', {
      class: `result kind-${modality}`,
      role: 'listitem',
      tabindex: '-1',
      'aria-label': `${name}, ${MODALITY_NAMES[modality] || modality}, score ${fmtScore(r.score)}`,
      dataset: { id: String(r.id), path: r.path || '', score: String(r.score), modality, index: String(index) },
    });
    const badges = el('div', { class: 'badges' },
      el('span', { class: 'score', title: 'Similarity (cosine)' }, fmtScore(r.score)),
      el('span', { class: 'kind', title: MODALITY_NAMES[modality] || modality, html: icon(ICONS[modality] ? modality : 'file') }));
    const moreBtnEl = el('button', {
      type: 'button', class: 'more-like-this', title: 'More like this', 'aria-label': `More like ${name}`,
      html: icon('similar') + '<span>Similar</span>',
      onclick: (e) => { e.stopPropagation(); moreLikeThis(r); },
    });

    if (modality === 'image' || modality === 'video') {
      const img = el('img', {
        class: 'thumb', alt: name, loading: index < 12 ? 'eager' : 'lazy', decoding: 'async', draggable: 'false',
        src: thumbURL(r.id, 256), srcset: `${thumbURL(r.id, 256)} 1x, ${thumbURL(r.id, 512)} 2x`,
      });
      img.addEventListener('error', () => {
        if (!img.isConnected) return;
        img.replaceWith(textBody(r, name, modality === 'video' ? 'Video' : 'No preview'));
        node.classList.add('as-card');
      }, { once: true });
      img.addEventListener('load', () => img.classList.add('loaded'), { once: true });
      node.append(el('div', { class: 'media' }, img),
        el('div', { class: 'caption' }, el('span', { class: 'name' }, name), moreBtnEl), badges);
      if (modality === 'video' && part && part.time) {
        node.append(el('span', { class: 'time-badge', html: icon('clock') }, fmtTime(part.time.start)));
      }
    } else {
      node.classList.add('as-card');
      const body = modality === 'audio' ? audioBody(r, name) : textBody(r, name);
      node.append(body, badges, el('div', { class: 'card-actions' }, moreBtnEl));
    }

    node.addEventListener('click', (e) => {
      if (e.target.closest('button, audio, a')) return;
      select(index);
      openDetail(index);
    });
    return node;
  }

  function textBody(r, name, kindText) {
    const part = r.part || {};
    const snippet = part.snippet || (r.chunk && r.chunk.snippet) || '';
    return el('div', { class: 'card-body' },
      el('div', { class: 'card-title' }, el('span', { class: 'name' }, name)),
      snippet ? el('p', { class: 'snippet' }, snippet)
        : el('p', { class: 'snippet muted' }, kindText || (part.time ? `Match at ${fmtRange(part.time)}` : dirName(r.path))),
      el('p', { class: 'card-foot' }, el('span', { class: 'folder' }, baseName(dirName(r.path))),
        part.time ? el('span', { class: 'range' }, fmtRange(part.time)) : null));
  }

  let playing = null;
  document.addEventListener('play', (e) => {
    if (playing && playing !== e.target && !playing.paused) playing.pause();
    playing = e.target;
  }, true);

  function audioBody(r, name) {
    const part = r.part || {};
    const t = part.time && typeof part.time.start === 'number' ? part.time : null;
    const audio = el('audio', { preload: 'none', src: contentURL(r.id) + mediaFragment(t) });
    const bar = el('span', { class: 'mini-fill' });
    const timeText = el('span', { class: 'mini-time' }, t ? fmtRange(t) : 'Play');
    const btn = el('button', { type: 'button', class: 'play', 'aria-label': `Play ${name}${t ? ` from ${fmtTime(t.start)}` : ''}`, html: icon('play') });
    const setIcon = (on) => { btn.innerHTML = icon(on ? 'pause' : 'play'); btn.setAttribute('aria-label', `${on ? 'Pause' : 'Play'} ${name}`); };
    btn.addEventListener('click', (e) => {
      e.stopPropagation();
      if (!audio.paused) { audio.pause(); return; }
      if (t && (audio.currentTime < t.start - 0.3 || (t.end > t.start && audio.currentTime >= t.end - 0.05))) {
        try { audio.currentTime = t.start; } catch { /* before metadata: the fragment starts it */ }
      }
      audio.play().catch(() => { timeText.textContent = 'Cannot play'; });
    });
    // The passage's progress, and a stop at its end (timeupdate alone comes only every ~250 ms).
    const tick = () => {
      const start = t ? t.start : 0;
      const end = t && t.end > t.start ? t.end : (audio.duration || 0);
      if (end > start) bar.style.width = `${Math.min(100, Math.max(0, ((audio.currentTime - start) / (end - start)) * 100))}%`;
      if (t && t.end > t.start && audio.currentTime >= t.end && !audio.paused) audio.pause();
      if (!audio.paused) requestAnimationFrame(tick);
    };
    audio.addEventListener('play', () => { setIcon(true); requestAnimationFrame(tick); });
    audio.addEventListener('pause', () => { setIcon(false); tick(); });
    audio.addEventListener('timeupdate', tick);
    const snippet = part.snippet || (r.chunk && r.chunk.snippet) || '';
    return el('div', { class: 'card-body' },
      el('div', { class: 'card-title' }, el('span', { class: 'name' }, name)),
      snippet ? el('p', { class: 'snippet quote' }, snippet) : el('p', { class: 'snippet muted' }, 'Recording'),
      el('div', { class: 'mini-player' }, btn, el('span', { class: 'mini-track' }, bar), timeText, audio));
  }

  // ---------------------------------------------------------------- selection & keyboard

  function select(i, { focus = true } = {}) {
    const cards = grid.children;
    if (!cards.length) return;
    i = Math.max(0, Math.min(cards.length - 1, i));
    if (selected >= 0 && cards[selected]) {
      cards[selected].classList.remove('selected');
      cards[selected].setAttribute('tabindex', '-1');
      cards[selected].removeAttribute('aria-selected');
    }
    selected = i;
    const node = cards[i];
    node.classList.add('selected');
    node.setAttribute('tabindex', '0');
    node.setAttribute('aria-selected', 'true');
    if (focus) {
      node.focus({ preventScroll: true });
      node.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }
  }

  function clearSelection() {
    const cards = grid.children;
    if (selected >= 0 && cards[selected]) {
      cards[selected].classList.remove('selected');
      cards[selected].removeAttribute('aria-selected');
    }
    selected = -1;
  }

  // Up/down move to the card in the next row whose centre is closest: works for any column count.
  function verticalNeighbour(from, dir) {
    const cards = Array.from(grid.children);
    const a = cards[from].getBoundingClientRect();
    const ax = a.left + a.width / 2;
    let best = -1, bestRow = Infinity, bestDx = Infinity;
    cards.forEach((c, i) => {
      const b = c.getBoundingClientRect();
      const dy = dir > 0 ? b.top - a.bottom : a.top - b.bottom;
      if (dy < -1) return;
      const row = Math.round(dy);
      const dx = Math.abs(b.left + b.width / 2 - ax);
      if (row < bestRow - 2 || (Math.abs(row - bestRow) <= 2 && dx < bestDx)) { best = i; bestRow = row; bestDx = dx; }
    });
    return best;
  }

  document.addEventListener('keydown', (e) => {
    if (tokenDialog.open || detail.open) return;       // the dialogs handle their own keys
    const target = e.target;
    const inField = target instanceof HTMLElement && (target.matches('input, textarea, select') || target.isContentEditable);
    const mod = e.ctrlKey || e.metaKey || e.altKey;

    if (target === input) {
      if (e.key === 'ArrowDown' && results.length) { e.preventDefault(); select(Math.max(0, selected)); }
      else if (e.key === 'ArrowRight' && results.length && input.selectionStart === input.value.length && input.selectionEnd === input.value.length) {
        e.preventDefault(); select(0);
      } else if (e.key === 'Enter') {
        e.preventDefault(); state.q = input.value; runSearch({ push: 'auto' });
        if (matchMedia('(hover: none)').matches) input.blur();     // put the on-screen keyboard away
      } else if (e.key === 'Escape') {
        e.preventDefault();
        if (input.value) { input.value = ''; state.q = ''; runSearch({ push: 'replace' }); }
        else if (state.upload || state.like != null) clearQuery();
        else input.blur();
      }
      return;
    }
    if (inField || mod) return;
    if (e.key === '/') { e.preventDefault(); input.focus(); input.select(); return; }
    const onCard = target instanceof HTMLElement && target.closest('.result');
    if (['ArrowRight', 'ArrowLeft', 'ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key) && results.length) {
      if (target.closest && target.closest('audio')) return;
      e.preventDefault();
      const from = selected < 0 ? -1 : selected;
      let to = from;
      if (e.key === 'ArrowRight') to = from + 1;
      else if (e.key === 'ArrowLeft') to = from - 1;
      else if (e.key === 'Home') to = 0;
      else if (e.key === 'End') to = results.length - 1;
      else if (from < 0) to = 0;
      else {
        to = verticalNeighbour(from, e.key === 'ArrowDown' ? 1 : -1);
        if (to < 0 && e.key === 'ArrowUp') { clearSelection(); input.focus(); return; }
        if (to < 0) to = from;
      }
      if (to < 0) { clearSelection(); input.focus(); return; }
      select(Math.min(to, results.length - 1));
      return;
    }
    if (e.key === 'Enter' && onCard && !e.target.closest('button, a')) {
      e.preventDefault();
      openDetail(Number(onCard.dataset.index));
      return;
    }
    if (e.key === 'Escape') {
      if (selected >= 0) { clearSelection(); input.focus(); }
      else if (hasQuery()) clearQuery();
      return;
    }
    // Typing anywhere goes to the search box.
    if (e.key.length === 1 && !mod && e.key !== ' ') { input.focus(); }
    else if (e.key === 'Backspace') { input.focus(); }
  });

  // ---------------------------------------------------------------- detail view

  let detailIndex = -1;
  let detailSeq = 0;

  function openDetail(index) {
    if (index < 0 || index >= results.length) return;
    detailIndex = index;
    const r = results[index];
    const name = baseName(r.path);
    const part = r.part || {};
    const modality = r.modality || 'file';
    const mySeq = ++detailSeq;

    $('#detail-title').textContent = name;
    $('#detail-path').textContent = r.path || '';
    $('#detail-path').title = r.path || '';
    $('#detail-open').href = contentURL(r.id);
    detail.dataset.id = String(r.id);
    detail.dataset.modality = modality;

    const meta = $('#detail-meta');
    fill(meta,
      el('span', { class: 'score big', title: 'Similarity (cosine)' }, fmtScore(r.score)),
      el('span', { class: 'meta-item', html: icon(ICONS[modality] ? modality : 'file') }, MODALITY_NAMES[modality] || modality),
      part.time ? el('span', { class: 'meta-item', html: icon('clock') }, `matched ${fmtRange(part.time)}`) : null,
      // A photo's date taken (a modification time is shown with the file's details below).
      r.date && r.date.source === 'taken' ? el('span', { class: 'meta-item', html: icon('calendar'), title: r.date.value },
        `Taken ${fmtWallClock(r.date.value)}`) : null,
      r.camera ? el('span', { class: 'meta-item', html: icon('camera') }, r.camera) : null,
      r.position ? el('button', {
        type: 'button', class: 'meta-item linkish', html: icon('pin'),
        title: 'Show photos taken near here',
        onclick: () => { state.near = `${r.position.latitude},${r.position.longitude}`; closeDetail(); runSearch({ push: true }); },
      }, fmtPlace(r.position)) : null);
    renderDetailLabels(r.labels || []);

    const media = $('#detail-media');
    media.className = `detail-media kind-${modality}`;
    const snippetBox = $('#detail-snippet');
    snippetBox.replaceChildren();
    const snippet = part.snippet || (r.chunk && r.chunk.snippet) || '';

    if (modality === 'image') {
      const img = el('img', { alt: name, src: thumbURL(r.id, 1024), decoding: 'async' });
      img.addEventListener('error', () => img.replaceWith(el('div', { class: 'media-fallback', html: icon('image') }, 'No preview available')), { once: true });
      media.replaceChildren(img);
    } else if (modality === 'audio') {
      const t = part.time && typeof part.time.start === 'number' ? part.time : null;
      const audio = el('audio', { controls: true, preload: 'metadata', src: contentURL(r.id) + mediaFragment(t) });
      audio.addEventListener('loadedmetadata', () => { if (t && audio.currentTime < t.start - 0.3) audio.currentTime = t.start; }, { once: true });
      fill(media, el('div', { class: 'audio-stage' },
        el('div', { class: 'audio-art', html: icon('audio') }),
        t ? el('p', { class: 'audio-range' }, `Matched passage ${fmtRange(t)}`) : null,
        audio,
        el('ol', { class: 'parts', id: 'detail-parts' })));
      if (snippet) snippetBox.append(el('h3', {}, 'Matched passage'), el('blockquote', {}, snippet));
    } else if (modality === 'video') {
      const t = part.time && typeof part.time.start === 'number' ? part.time : null;
      const video = el('video', { controls: true, preload: 'metadata', playsinline: true, poster: thumbURL(r.id, 1024), src: contentURL(r.id) + mediaFragment(t ? { start: t.start } : null) });
      media.replaceChildren(video);
      if (snippet) snippetBox.append(el('h3', {}, 'Matched'), el('blockquote', {}, snippet));
    } else {
      media.replaceChildren(el('div', { class: 'doc' }, el('div', { class: 'doc-text', id: 'detail-doc' }, snippet ? el('mark', {}, snippet) : '')));
    }

    if (!detail.open) detail.showModal();
    $('#detail-prev').disabled = index <= 0;
    $('#detail-next').disabled = index >= results.length - 1;
    $('#detail-close').focus();

    // The file's own record: size, dates, labels, every part (transcript) — and the full text.
    api(`/files/${encodeURIComponent(r.id)}`).then((info) => {
      if (mySeq !== detailSeq || !info) return;
      const extra = [];
      if (typeof info.size === 'number') extra.push(el('span', { class: 'meta-item' }, fmtBytes(info.size)));
      if (info.modified) extra.push(el('span', { class: 'meta-item', title: `modified ${info.modified}` }, fmtDate(info.modified)));
      meta.append(...extra);
      if (Array.isArray(info.labels) && info.labels.length) renderDetailLabels(info.labels);
      if (info.note) snippetBox.append(el('p', { class: 'note' }, info.note));
      if (modality === 'audio') renderTranscript(info, r, mySeq);
      if (modality === 'text') loadFullText(info, r, mySeq);
    }).catch(() => { /* the basics are already shown */ });
  }

  function renderDetailLabels(labels) {
    const box = $('#detail-labels');
    box.replaceChildren(...labels.filter((l) => l && l.label).map((l) => el('button', {
      type: 'button', class: 'chip small', title: `Only files labelled “${l.label}”`,
      html: icon('tag'),
      onclick: () => { closeDetail(); addFilter('label', l.label); },
    }, l.label, typeof l.probability === 'number' ? el('span', { class: 'prob' }, `${Math.round(l.probability * 100)}%`) : null)));
  }

  function renderTranscript(info, r, mySeq) {
    const list = $('#detail-parts');
    const parts = (info.parts || []).filter((p) => p && (p.snippet || p.time));
    if (!list || !parts.length || mySeq !== detailSeq) return;
    const audio = $('#detail-media audio');
    const matched = r.part ? r.part.index : -1;
    list.replaceChildren(...parts.map((p) => el('li', {},
      el('button', {
        type: 'button', class: `part${p.index === matched ? ' matched' : ''}`,
        onclick: () => { if (audio && p.time) { audio.currentTime = p.time.start; audio.play().catch(() => {}); } },
      }, p.time ? el('span', { class: 'part-time' }, fmtTime(p.time.start)) : null, el('span', { class: 'part-text' }, p.snippet || '…')))));
    const current = list.querySelector('.matched');
    if (current) current.scrollIntoView({ block: 'nearest' });
  }

  async function loadFullText(info, r, mySeq) {
    if (typeof info.size === 'number' && info.size > 512 * 1024) return;
    try {
      const headers = token ? { Authorization: `Bearer ${token}` } : {};
      const res = await fetch(info.content || contentURL(r.id), { headers, credentials: 'same-origin' });
      if (!res.ok || mySeq !== detailSeq) return;
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (mySeq !== detailSeq) return;
      const decode = (a) => new TextDecoder('utf-8').decode(a);
      const doc = $('#detail-doc');
      const range = r.part && r.part.bytes;
      if (range && range.end > range.start && range.end <= bytes.length) {
        const mark = el('mark', {}, decode(bytes.subarray(range.start, range.end)));
        doc.replaceChildren(decode(bytes.subarray(0, range.start)), mark, decode(bytes.subarray(range.end)));
        mark.scrollIntoView({ block: 'center' });
      } else {
        doc.replaceChildren(decode(bytes));
      }
    } catch { /* keep the snippet */ }
  }

  function closeDetail() {
    if (detail.open) detail.close();
  }

  detail.addEventListener('close', () => {
    detailSeq++;
    for (const m of $$('#detail-media audio, #detail-media video')) m.pause();
    $('#detail-media').replaceChildren();
    if (selected >= 0 && grid.children[selected]) grid.children[selected].focus({ preventScroll: true });
  });
  detail.addEventListener('click', (e) => { if (e.target === detail) closeDetail(); });   // the backdrop
  detail.addEventListener('keydown', (e) => {
    if (e.target.closest && e.target.closest('audio, video, input')) return;
    if (e.key === 'ArrowRight' && detailIndex < results.length - 1) { e.preventDefault(); select(detailIndex + 1, { focus: false }); openDetail(detailIndex + 1); }
    else if (e.key === 'ArrowLeft' && detailIndex > 0) { e.preventDefault(); select(detailIndex - 1, { focus: false }); openDetail(detailIndex - 1); }
  });
  $('#detail-close').addEventListener('click', closeDetail);
  $('#detail-prev').addEventListener('click', () => { if (detailIndex > 0) { select(detailIndex - 1, { focus: false }); openDetail(detailIndex - 1); } });
  $('#detail-next').addEventListener('click', () => { if (detailIndex < results.length - 1) { select(detailIndex + 1, { focus: false }); openDetail(detailIndex + 1); } });
  $('#detail-more').addEventListener('click', () => { const r = results[detailIndex]; if (r) moreLikeThis(r); });
  $('#detail-folder').addEventListener('click', () => {
    const r = results[detailIndex];
    if (!r) return;
    closeDetail();
    addFilter('in', dirName(r.path));
  });

  // ---------------------------------------------------------------- query chips: example image, more-like-this

  function setUpload(file) {
    if (uploadURL) { URL.revokeObjectURL(uploadURL); uploadURL = null; }
    state.upload = file;
    if (file && /^image\//.test(file.type)) uploadURL = URL.createObjectURL(file);
  }

  const narrow = matchMedia('(max-width: 640px)');
  narrow.addEventListener('change', () => renderQueryChips());

  function renderQueryChips() {
    chipsBox.replaceChildren();
    let placeholder = narrow.matches ? 'Search your library…' : 'Search photos, notes, recordings…';
    if (state.upload) {
      const name = state.upload.name || 'pasted image';
      chipsBox.append(el('span', { class: 'qchip', id: 'query-image', title: name },
        uploadURL ? el('img', { src: uploadURL, alt: `Query: ${name}` }) : el('span', { class: 'qchip-icon', html: icon('audio') }),
        el('span', { class: 'qchip-text' }, name),
        el('button', { type: 'button', class: 'qchip-x', 'aria-label': 'Remove the example', html: icon('x'), onclick: () => { clearQuery(); input.focus(); } })));
      placeholder = 'Type to search by words instead';
    } else if (state.like != null) {
      const info = likeInfo || { id: state.like };
      const name = info.name || (info.path ? baseName(info.path) : `#${state.like}`);
      const isImage = info.modality ? info.modality === 'image' : true;
      const thumb = isImage ? el('img', { src: thumbURL(state.like, 64), alt: '' }) : el('span', { class: 'qchip-icon', html: icon(info.modality && ICONS[info.modality] ? info.modality : 'file') });
      if (isImage) thumb.addEventListener('error', () => thumb.replaceWith(el('span', { class: 'qchip-icon', html: icon('file') })), { once: true });
      chipsBox.append(el('span', { class: 'qchip like', id: 'query-like', title: info.path || name },
        thumb,
        el('span', { class: 'qchip-text' }, el('span', { class: 'qchip-pre' }, 'Like '), name),
        el('button', { type: 'button', class: 'qchip-x', 'aria-label': 'Remove “more like this”', html: icon('x'), onclick: () => { state.like = null; likeInfo = null; runSearch({ push: true }); input.focus(); } })));
      placeholder = 'Refine: +more of, −less of…';
      if (!info.name && !info.path && !info.loading) {
        info.loading = true;
        likeInfo = info;
        api(`/files/${encodeURIComponent(state.like)}`).then((f) => {
          if (!f || String(state.like) !== String(f.id)) return;
          likeInfo = { id: f.id, name: f.name || baseName(f.path), path: f.path, modality: f.modality };
          renderQueryChips();
          if (results.length) countBox.textContent = `${plural(results.length, 'result', 'results')} ${describeQuery()}`;
        }).catch(() => { });
      }
    }
    chipsBox.hidden = !chipsBox.children.length;
    field.classList.toggle('has-chip', !chipsBox.hidden);
    input.placeholder = placeholder;
  }

  function clearQuery() {
    state.q = ''; input.value = '';
    state.like = null; likeInfo = null;
    setUpload(null);
    runSearch({ push: true });
  }

  function moreLikeThis(r) {
    closeDetail();
    setUpload(null);
    state.like = r.id;
    likeInfo = { id: r.id, name: baseName(r.path), path: r.path, modality: r.modality };
    state.q = ''; input.value = '';
    runSearch({ push: true });
    window.scrollTo({ top: 0, behavior: 'smooth' });
  }

  const ACCEPTED = /^(image|audio|video)\//;
  function searchByFile(file) {
    if (!file) return;
    if (file.type && !ACCEPTED.test(file.type)) {
      toast(`${file.name || 'That file'} is not an image or a recording.`);
      return;
    }
    closeDetail();
    setUpload(file);
    state.q = ''; input.value = '';
    state.like = null; likeInfo = null;
    runSearch({ push: true });
  }

  function pickFile(dataTransfer) {
    if (!dataTransfer) return null;
    const files = Array.from(dataTransfer.files || []);
    if (!files.length && dataTransfer.items) {
      for (const item of dataTransfer.items) if (item.kind === 'file') { const f = item.getAsFile(); if (f) files.push(f); }
    }
    return files.find((f) => ACCEPTED.test(f.type)) || files[0] || null;
  }

  $('#upload').addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    const f = fileInput.files && fileInput.files[0];
    if (f) searchByFile(f);
    fileInput.value = '';
  });

  // Drop anywhere on the page.
  const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
  let dragDepth = 0;
  window.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth++;
    dropZone.classList.add('active');
  });
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    dropZone.classList.add('active');
  });
  window.addEventListener('dragleave', (e) => {
    if (!hasFiles(e)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth || !e.relatedTarget) { dragDepth = 0; dropZone.classList.remove('active'); }
  });
  window.addEventListener('drop', (e) => {
    dragDepth = 0;
    dropZone.classList.remove('active');
    if (!e.dataTransfer) return;
    const file = pickFile(e.dataTransfer);
    if (!file && !hasFiles(e)) return;       // a text drop into the search box stays a text drop
    e.preventDefault();
    if (file) searchByFile(file);
  });

  // Paste an image (Ctrl+V / ⌘V) anywhere; pasting text into the box stays a text paste.
  document.addEventListener('paste', (e) => {
    const file = pickFile(e.clipboardData);
    if (!file) return;
    e.preventDefault();
    if (!file.name || file.name === 'image.png') {
      try { searchByFile(new File([file], `pasted-image.${(file.type.split('/')[1] || 'png').replace('jpeg', 'jpg')}`, { type: file.type })); return; } catch { /* old browser */ }
    }
    searchByFile(file);
  });

  // ---------------------------------------------------------------- filters

  function renderFilters() {
    for (const b of $$('#modality-group .chip')) {
      const m = b.dataset.modality;
      const on = m ? state.modality.includes(m) : state.modality.length === 0;
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    const box = $('#active-filters');
    box.replaceChildren();
    const roots = (serverStatus && serverStatus.roots) || [];
    const shortFolder = (d) => {
      const root = roots.find((r) => d === r || d.startsWith(r.replace(/\/$/, '') + '/'));
      if (root) { const rel = d.slice(root.replace(/\/$/, '').length).replace(/^\//, ''); return rel ? `${baseName(root)}/${rel}` : baseName(root); }
      return baseName(d) || d;
    };
    for (const [kind, list] of [['in', state.in], ['label', state.label]]) {
      for (const value of list) {
        box.append(el('span', { class: 'chip active filter', title: kind === 'in' ? value : `label: ${value}` },
          el('span', { class: 'icon-wrap', html: icon(kind === 'in' ? 'folder' : 'tag') }),
          el('span', { class: 'filter-text' }, kind === 'in' ? shortFolder(value) : value),
          el('button', {
            type: 'button', class: 'chip-x', html: icon('x'),
            'aria-label': `Remove filter ${kind === 'in' ? 'folder' : 'label'} ${value}`,
            onclick: () => { state[kind] = state[kind].filter((v) => v !== value); runSearch({ push: true }); },
          })));
      }
    }
    const PHOTO_CHIPS = {
      after: ['calendar', (v) => `from ${v}`, 'date from'], before: ['calendar', (v) => `before ${v}`, 'date before'],
      camera: ['camera', (v) => v, 'camera'], near: ['pin', (v) => `near ${v}`, 'place'],
    };
    for (const [kind, [iconName, text, what]] of Object.entries(PHOTO_CHIPS)) {
      const value = state[kind];
      if (!value) continue;
      box.append(el('span', { class: 'chip active filter', title: `${what}: ${value}` },
        el('span', { class: 'icon-wrap', html: icon(iconName) }),
        el('span', { class: 'filter-text' }, text(value)),
        el('button', {
          type: 'button', class: 'chip-x', html: icon('x'), 'aria-label': `Remove filter ${what} ${value}`,
          onclick: () => { state[kind] = ''; runSearch({ push: true }); },
        })));
    }
    sortSelect.value = state.sort;
  }

  function addFilter(kind, value) {
    value = String(value || '').trim();
    if (!value) return;
    if (PHOTO_KEYS.includes(kind)) state[kind] = value;
    else if (!state[kind].includes(value)) state[kind] = [...state[kind], value];
    runSearch({ push: true });
  }

  const sortSelect = $('#sort');
  sortSelect.addEventListener('change', () => { state.sort = sortSelect.value; runSearch({ push: true }); });

  $('#modality-group').addEventListener('click', (e) => {
    const b = e.target.closest('.chip');
    if (!b) return;
    const m = b.dataset.modality;
    state.modality = m ? (state.modality.length === 1 && state.modality[0] === m ? [] : [m]) : [];
    runSearch({ push: true });
  });

  function refreshDatalists() {
    const roots = (serverStatus && serverStatus.roots) || [];
    const folders = new Set([...roots, ...knownFolders]);
    $('#folder-options').replaceChildren(...Array.from(folders).sort().map((f) => el('option', { value: f })));
    $('#label-options').replaceChildren(...Array.from(knownLabels).sort().map((l) => el('option', { value: l })));
  }

  // "+ Folder", "+ Label", "+ Date", "+ Camera" turn into a small input (with suggestions).
  const CHIP_INPUTS = {
    in: { list: 'folder-options', placeholder: 'Folder path…', label: 'Only files in folder', icon: 'folder' },
    label: { list: 'label-options', placeholder: 'Label…', label: 'Only files with label', icon: 'tag' },
    after: { placeholder: 'From 2024 or 2024-06…', label: 'Only files dated from (a year, month or day)', icon: 'calendar' },
    camera: { placeholder: 'Camera make or model…', label: 'Only photos taken with this camera', icon: 'camera' },
  };
  for (const button of [$('#add-folder'), $('#add-label'), $('#add-date'), $('#add-camera')]) {
    button.addEventListener('click', () => {
      const kind = button.dataset.kind;
      const config = CHIP_INPUTS[kind];
      refreshDatalists();
      const box = el('span', { class: 'chip-input-wrap' });
      const field2 = el('input', {
        type: 'text', class: 'chip-input', list: config.list, placeholder: config.placeholder, 'aria-label': config.label,
        spellcheck: 'false', autocomplete: 'off',
      });
      box.append(el('span', { class: 'icon-wrap', html: icon(config.icon) }), field2);
      let done = false;
      const finish = (apply) => {
        if (done) return;
        done = true;
        const value = field2.value.trim();
        box.replaceWith(button);
        if (apply && value) addFilter(kind, value);
        button.focus();
      };
      field2.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') { e.preventDefault(); finish(true); }
        else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); finish(false); }
      });
      field2.addEventListener('change', () => { if (field2.value.trim()) finish(true); });
      field2.addEventListener('blur', () => setTimeout(() => finish(Boolean(field2.value.trim())), 120));
      button.replaceWith(box);
      field2.focus();
    });
  }

  // ---------------------------------------------------------------- empty states, notices, toast

  const EXAMPLES = ['a dog in the snow', 'something to eat', 'a boat on the water', 'a red vehicle', 'an animal +stripes -horse'];

  function renderEmpty(kind) {
    emptyBox.hidden = false;
    emptyBox.dataset.kind = kind;
    if (kind === 'none') {
      const filtered = state.modality.length || state.in.length || state.label.length || photoPairs().some(([k]) => k !== 'sort');
      fill(emptyBox,
        el('div', { class: 'empty-art small', html: icon('search') }),
        el('h2', {}, 'No matches'),
        el('p', {}, filtered ? 'Nothing matched with these filters. Try removing one.' : 'Nothing in the library matched. Try other words, or drop an image to search by example.'),
        filtered ? el('button', {
          type: 'button', class: 'btn', onclick: () => { clearFilters(); runSearch({ push: true }); },
        }, 'Clear filters') : null);
      return;
    }
    const examples = el('div', { class: 'examples' }, ...EXAMPLES.map((q) => el('button', {
      type: 'button', class: 'chip example',
      onclick: () => { input.value = q; state.q = q; runSearch({ push: true }); input.focus(); },
    }, q)));
    fill(emptyBox,
      el('div', { class: 'empty-art', html: heroArt() }),
      el('h2', {}, kind === 'only-minus' ? 'Add something to look for' : 'Find anything by describing it'),
      el('p', {}, kind === 'only-minus'
        ? 'A −term only steers a search away; add words to search for, e.g. “a beach −people”.'
        : 'Search your photos, notes and recordings by meaning — or drop or paste an image to find similar ones.'),
      examples,
      el('p', { class: 'hints' },
        el('span', {}, el('kbd', {}, '/'), ' search'),
        el('span', {}, el('kbd', {}, '←'), el('kbd', {}, '→'), ' browse'),
        el('span', {}, el('kbd', {}, 'Enter'), ' open'),
        el('span', {}, el('kbd', {}, '+word'), el('kbd', {}, '−word'), ' steer')),
      el('button', { type: 'button', class: 'btn', onclick: () => fileInput.click(), html: icon('imageplus') }, 'Search with an image'));
  }

  function heroArt() {
    return `<svg viewBox="0 0 160 120" aria-hidden="true" focusable="false">
      <rect x="18" y="26" width="70" height="56" rx="10" class="art-card a"/>
      <rect x="40" y="16" width="70" height="56" rx="10" class="art-card b"/>
      <circle cx="62" cy="36" r="7" class="art-sun"/>
      <path d="M44 66l18-18 14 14 10-10 20 20v0a6 6 0 0 1-6 6H50a6 6 0 0 1-6-6z" class="art-hill"/>
      <circle cx="108" cy="74" r="20" class="art-lens"/>
      <path d="M123 89l16 16" class="art-handle"/>
      <path d="M132 20l2.5 6 6 2.5-6 2.5-2.5 6-2.5-6-6-2.5 6-2.5z" class="art-spark"/>
    </svg>`;
  }

  function showNotice(kind, message, detailText, retry) {
    noticeBox.replaceChildren();
    if (!kind) return;
    if (kind === 'loading') emptyBox.hidden = true;
    noticeBox.append(el('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
      kind === 'loading' ? el('span', { class: 'spinner' }) : el('span', { class: 'icon-wrap', html: icon('alert') }),
      el('div', { class: 'notice-body' }, el('strong', {}, message), detailText ? el('span', {}, detailText) : null),
      retry ? el('button', { type: 'button', class: 'btn small', onclick: retry }, 'Try again') : null));
  }

  let toastTimer = 0;
  function toast(message) {
    const box = $('#toast');
    box.textContent = message;
    box.classList.add('show');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => box.classList.remove('show'), 4000);
  }

  // ---------------------------------------------------------------- status, stats, indexing progress

  let waitingForModels = false;
  async function loadStatus() {
    try {
      serverStatus = await rawApi('/status');
    } catch (err) {
      setStatusLine('offline', err.message);
      setTimeout(loadStatus, 3000);
      return;
    }
    if (!serverStatus.ready) {
      setStatusLine('loading', 'Loading models…');
      if (!hasQuery()) showNotice('loading', 'Loading models…', 'The search models are still loading; this takes a few seconds after the server starts.');
      waitingForModels = true;
      setTimeout(loadStatus, 1000);
      return;
    }
    if (waitingForModels && !hasQuery()) showNotice(null);
    waitingForModels = false;
    refreshDatalists();
    renderFilters();
    loadStats();
  }

  async function loadStats() {
    const s = serverStatus || {};
    try {
      const stats = await api('/stats');
      const spaces = (stats && stats.spaces) || [];
      const space = spaces.find((x) => x.name === s.pack) || spaces[0];
      const files = spaces.reduce((n, x) => n + (x.files || 0), 0);
      // Stored labels (name → count), the label filter's suggestions.
      for (const x of spaces) {
        if (x.labels && typeof x.labels === 'object' && !Array.isArray(x.labels)) Object.keys(x.labels).forEach((l) => knownLabels.add(l));
      }
      refreshDatalists();
      const parts = [s.pack || (space && space.name) || 'no model pack', plural(files, 'file', 'files')];
      if (space && space.modalities) {
        const words = { image: ['photo', 'photos'], text: ['text', 'texts'], audio: ['recording', 'recordings'], video: ['video', 'videos'] };
        const m = Object.entries(space.modalities).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])
          .map(([k, n]) => plural(n, ...(words[k] || [k, k])));
        if (m.length > 1) parts.push(m.join(', '));
      }
      if (s.watching) parts.push('watching');
      setStatusLine('ok', parts.join(' · '), [
        s.version ? `mmsearch ${s.version}` : '', stats.index ? `index: ${stats.index}` : '',
        (s.roots || []).length ? `folders: ${s.roots.join(', ')}` : '',
      ].filter(Boolean).join('\n'));
    } catch (err) {
      setStatusLine('offline', err.message);
    }
    $('#reindex').hidden = !((s.roots || []).length);
  }

  function setStatusLine(kind, text, title = '') {
    $('#status-dot').dataset.state = kind;
    $('#status-text').textContent = text;
    $('#footer').title = title;
  }

  $('#reindex').addEventListener('click', async () => {
    const button = $('#reindex');
    button.disabled = true;
    const seen = indexEvents;
    try {
      await api('/index', { method: 'POST' });
      // A small run can be over (its events shown) before this answer arrives.
      if (indexEvents === seen) {
        failures = 0;
        showProgress({ phase: 'scanning', found: 0, total: 0, done: 0 });
        if (!events || events.readyState !== EventSource.OPEN) pollUntilIdle();
      }
    } catch (err) {
      toast(err.code === 'conflict' ? 'Indexing is already running.' : err.message);
    } finally {
      button.disabled = false;
    }
  });

  const progressBox = $('#progress');
  const progressFill = $('#progress-fill');
  const progressText = $('#progress-text');
  let failures = 0;
  let hideTimer = 0;
  let events = null;
  let eventRetry = 1000;
  let indexEvents = 0;          // progress / done events seen, so a late POST answer does not show a finished run again

  const PHASES = { scanning: 'Scanning', hashing: 'Checking for changes', embedding: 'Indexing' };

  function showProgress(p) {
    clearTimeout(hideTimer);
    progressBox.hidden = false;
    progressBox.classList.remove('finished');
    document.body.classList.add('indexing');
    const total = (p && p.total) || 0;
    const done = (p && p.done) || 0;
    const found = (p && p.found) || 0;
    const failed = Math.max(failures, (p && p.failed) || 0);
    const phase = (p && p.phase) || 'scanning';
    const failedText = failed ? ` · ${failed.toLocaleString()} failed` : '';
    if (phase !== 'scanning' && total > 0) {
      progressBox.classList.remove('indeterminate');
      progressFill.style.width = `${Math.min(100, (done / total) * 100).toFixed(1)}%`;
      progressText.textContent = `Indexing ${done.toLocaleString()} / ${total.toLocaleString()}${failedText}`;
    } else {
      progressBox.classList.add('indeterminate');
      progressFill.style.width = '';
      const name = PHASES[phase] || phase.charAt(0).toUpperCase() + phase.slice(1);
      const count = found ? (phase === 'scanning' ? ` ${found.toLocaleString()} found` : ` ${plural(found, 'file', 'files')}`) : '';
      progressText.textContent = `${name}…${count}${failedText}`;
    }
  }

  // Without the event stream (a proxy that buffers it…), the status says when the run is over.
  async function pollUntilIdle() {
    for (let i = 0; i < 3600; i++) {
      await sleep(1000);
      if (events && events.readyState === EventSource.OPEN && indexEvents > 0) return;
      try {
        const s = await rawApi('/status');
        if (!s.index || !s.index.running) { finishProgress(null); return; }
        if (s.index.progress) showProgress(s.index.progress);
      } catch { /* try again */ }
    }
  }

  function finishProgress(summary) {
    progressBox.hidden = false;
    progressBox.classList.remove('indeterminate');
    progressBox.classList.add('finished');
    progressFill.style.width = '100%';
    const bits = [];
    if (summary) {
      bits.push(`${(summary.indexed || 0).toLocaleString()} indexed`);
      if (summary.unchanged) bits.push(`${summary.unchanged.toLocaleString()} unchanged`);
      if (summary.failed) bits.push(`${summary.failed} failed`);
      if (summary.removed) bits.push(`${summary.removed} removed`);
    }
    progressText.textContent = `${summary && summary.interrupted ? 'Stopped' : 'Done'}${bits.length ? ': ' + bits.join(', ') : ''}`;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => { progressBox.hidden = true; document.body.classList.remove('indexing'); }, 2500);
    failures = 0;
    loadStats();
    if (hasQuery() && !state.upload) runSearch({ push: false, keepTop: true });
  }

  function connectEvents() {
    if (typeof EventSource === 'undefined') return;
    if (events) events.close();
    const source = new EventSource(`${API}/index/events`);
    events = source;
    const parse = (e) => { try { return JSON.parse(e.data); } catch { return null; } };
    source.addEventListener('open', () => { eventRetry = 1000; });
    source.addEventListener('state', (e) => {
      const s = parse(e);
      if (s && s.running) showProgress(s.progress);
      else if (!progressBox.classList.contains('finished')) { progressBox.hidden = true; document.body.classList.remove('indexing'); }
    });
    source.addEventListener('progress', (e) => { indexEvents++; const p = parse(e); if (p) showProgress(p); });
    source.addEventListener('failed', (e) => {
      const f = parse(e);
      failures++;
      if (f) progressBox.title = `Last failure: ${f.path}: ${f.reason}`;
    });
    source.addEventListener('done', (e) => { indexEvents++; finishProgress(parse(e)); });
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) return;     // the browser reconnects by itself
      if (events !== source) return;
      events = null;
      setTimeout(connectEvents, eventRetry);
      eventRetry = Math.min(eventRetry * 2, 60000);
    });
  }

  // ---------------------------------------------------------------- wiring

  input.addEventListener('input', () => {
    if (state.upload && input.value.trim()) setUpload(null);
    state.q = input.value;
    clearBtn.hidden = !(input.value || state.upload || state.like != null);
    scheduleSearch();
  });
  form.addEventListener('submit', (e) => { e.preventDefault(); state.q = input.value; runSearch({ push: 'auto' }); });
  clearBtn.addEventListener('click', () => { clearQuery(); input.focus(); });
  moreBtn.addEventListener('click', () => { state.top = Math.min(1000, state.top + PAGE); runSearch({ push: false, keepTop: true }); });
  $('.brand').addEventListener('click', (e) => {
    e.preventDefault();
    clearFilters();
    state.sort = '';
    clearQuery();
    input.focus();
  });

  window.addEventListener('popstate', () => {
    closeDetail();
    readURL();
    runSearch({ push: false });
  });

  readURL();
  runSearch({ push: false });
  loadStatus();
  connectEvents();
  if (!state.q && state.like == null && matchMedia('(hover: hover)').matches) input.focus();

  // For tests and curious people: the state at a glance.
  window.mmsearch = { state, get results() { return results; }, get selected() { return selected; }, parseTerms };
})();
