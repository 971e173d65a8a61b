/*
 * Relais web chat widget. One tag:
 *   <script src="/webhooks/webchat/widget.js" data-endpoint="/webhooks/webchat/webhook"
 *           data-title="Relais" defer></script>
 *
 * Plain ES2017, no dependency, no build step. It talks only to the origin it was loaded from:
 * POST <endpoint> {"sender", "message"} -> [{"text", "buttons"?: [{title, payload}],
 * "links"?: [{text, href}]}]. Server text is rendered with textContent only; phone numbers
 * listed in `links` become <a href="tel:..."> by splitting text nodes.
 *
 * Privacy: the sender id, the chat history and the open state live in sessionStorage (closing
 * the tab forgets them). "Quitter vite" (or Escape twice) wipes them and leaves for a neutral page.
 *
 * Every French string is in STRINGS; each can be overridden by a data-* attribute on the script
 * tag (data-failsafe, data-title, data-input-label, ...).
 */
(function () {
  'use strict';

  const STRINGS = {
    title: 'Relais',
    subtitle: 'Je suis un robot. En danger : 112.',
    dialogLabel: 'Discussion avec Relais, un robot',
    launcher: "Besoin d'aide ?",
    close: 'Réduire la discussion',
    quit: 'Quitter vite',
    quitHint: 'Quitter vite : ferme la discussion, efface-la et ouvre une autre page. Raccourci : Échap deux fois.',
    emergency: 'Urgence : 112 · SMS 114 · Suicide : 3114',
    emergencyLabel: "Numéros d'urgence",
    logLabel: 'Messages',
    botPrefix: 'Relais : ',
    userPrefix: 'Toi : ',
    buttonsLabel: 'Réponses possibles',
    inputLabel: 'Ton message',
    placeholder: 'Écris ton message…',
    send: 'Envoyer',
    typing: 'Relais écrit…',
    note: "Ne donne ni ton nom, ni ton adresse. Échap deux fois : quitter vite.",
    tooLong: 'Ton message est trop long. Essaie en plus court.',
    failsafe: "Désolé, je n'arrive pas à te répondre pour le moment.\n" +
      "Pour parler à quelqu'un : appelle le 3018 ou écris sur 3018.fr.\n" +
      "Si tu es en danger maintenant : appelle le 112, ou envoie un SMS au 114."
  };

  // Numbers linked in the widget's OWN texts (header, subtitle, fail-safe). Bot texts only get
  // the links the server lists.
  const OWN_LINKS = [
    { text: '3018', href: 'tel:3018' },
    { text: '3114', href: 'tel:3114' },
    { text: '112', href: 'tel:112' },
    { text: '114', href: 'sms:114' }
  ];

  const DEFAULTS = {
    endpoint: '/webhooks/webchat/webhook',
    quitUrl: '/webhooks/webchat/neutral',
    start: '/start'
  };

  const KEY_PREFIX = 'relais.webchat.';
  const KEYS = {
    sender: KEY_PREFIX + 'sender',
    history: KEY_PREFIX + 'history',
    open: KEY_PREFIX + 'open'
  };
  const SENDER_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
  const LINK_HREF_PATTERN = /^(tel|sms):\+?[0-9][0-9 .-]{1,19}$/;
  const MAX_MESSAGE_CHARS = 1000;
  const MAX_BODY_BYTES = 4000; // the server refuses above 4096
  const MAX_HISTORY = 200;
  const MAX_BUTTONS = 10;
  const MAX_LINKS = 10;
  const TIMEOUT_MS = 20000;
  const DOUBLE_ESCAPE_MS = 800;
  const SMALL_SCREEN = '(max-width: 479.98px)';

  const script = document.currentScript ||
    document.querySelector('script[src*="widget.js"][data-endpoint]') ||
    document.querySelector('script[src*="widget.js"]');
  if (!script || document.getElementById('relais-widget')) return;

  const data = script.dataset || {};
  const S = {};
  Object.keys(STRINGS).forEach(function (key) {
    const value = data[key];
    S[key] = typeof value === 'string' && value.trim() ? value : STRINGS[key];
  });

  const scriptUrl = new URL(script.src, document.baseURI);
  const ORIGIN = scriptUrl.origin;

  // Resolve against the script's URL; anything pointing at another origin falls back to the default.
  function sameOriginUrl(value, fallback, allowPageOrigin) {
    for (const candidate of [value, fallback]) {
      if (typeof candidate !== 'string' || !candidate.trim()) continue;
      try {
        const url = new URL(candidate.trim(), scriptUrl);
        const ok = url.origin === ORIGIN || (allowPageOrigin && url.origin === location.origin);
        if (ok && /^(https?|file):$/.test(url.protocol)) return url.href;
      } catch (e) { /* try the next one */ }
    }
    return new URL(fallback, scriptUrl).href;
  }

  const ENDPOINT = sameOriginUrl(data.endpoint, DEFAULTS.endpoint, false);
  const QUIT_URL = sameOriginUrl(data.quitUrl, DEFAULTS.quitUrl, true);
  const START_MESSAGE = typeof data.start === 'string' ? data.start : DEFAULTS.start;

  // ---- storage (sessionStorage only; in memory if it is unavailable) ----------------------

  const memory = {};
  function storageGet(key) {
    try { return window.sessionStorage.getItem(key); } catch (e) { return memory[key] || null; }
  }
  function storageSet(key, value) {
    try { window.sessionStorage.setItem(key, value); } catch (e) { memory[key] = value; }
  }
  function storageClear() {
    Object.keys(memory).forEach(function (key) { delete memory[key]; });
    try {
      const store = window.sessionStorage;
      const doomed = [];
      for (let i = 0; i < store.length; i += 1) {
        const key = store.key(i);
        if (key && key.indexOf(KEY_PREFIX) === 0) doomed.push(key);
      }
      doomed.forEach(function (key) { store.removeItem(key); });
    } catch (e) { /* nothing stored */ }
  }

  function newSender() {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const bytes = new Uint8Array(32);
    window.crypto.getRandomValues(bytes);
    let id = '';
    for (let i = 0; i < bytes.length; i += 1) id += alphabet[bytes[i] & 63]; // 256 = 4 x 64: unbiased
    return id;
  }

  function getSender() {
    let sender = storageGet(KEYS.sender);
    if (!sender || !SENDER_PATTERN.test(sender)) {
      sender = newSender();
      storageSet(KEYS.sender, sender);
    }
    return sender;
  }

  function loadHistory() {
    try {
      const parsed = JSON.parse(storageGet(KEYS.history) || '[]');
      return Array.isArray(parsed) ? parsed.map(cleanEntry).filter(Boolean).slice(-MAX_HISTORY) : [];
    } catch (e) {
      return [];
    }
  }

  function saveHistory() {
    if (quitting) return;
    storageSet(KEYS.history, JSON.stringify(history.slice(-MAX_HISTORY)));
  }

  // ---- validation of what the server (or storage) gives us -------------------------------

  function cleanButtons(buttons) {
    if (!Array.isArray(buttons)) return [];
    return buttons.filter(function (b) {
      return b && typeof b.title === 'string' && b.title.trim() &&
        typeof b.payload === 'string' && b.payload.trim();
    }).slice(0, MAX_BUTTONS).map(function (b) {
      return { title: b.title.slice(0, 200), payload: b.payload.slice(0, MAX_MESSAGE_CHARS) };
    });
  }

  function cleanLinks(links) {
    if (!Array.isArray(links)) return [];
    return links.filter(function (l) {
      return l && typeof l.text === 'string' && l.text.trim() &&
        typeof l.href === 'string' && LINK_HREF_PATTERN.test(l.href);
    }).slice(0, MAX_LINKS).map(function (l) { return { text: l.text, href: l.href }; });
  }

  function cleanEntry(entry) {
    if (!entry || typeof entry !== 'object') return null;
    const text = typeof entry.text === 'string' ? entry.text : '';
    if (entry.who === 'user') return text ? { who: 'user', text: text } : null;
    if (entry.who === 'own') return text ? { who: 'own', text: text } : null;
    const buttons = cleanButtons(entry.buttons);
    if (!text && !buttons.length) return null;
    return { who: 'bot', text: text, buttons: buttons, links: cleanLinks(entry.links), used: !!entry.used };
  }

  // ---- DOM helpers (no innerHTML anywhere) -----------------------------------------------

  // The widget is position: fixed; never let focus() scroll the host page.
  function focus(node) {
    try { node.focus({ preventScroll: true }); } catch (e) { node.focus(); }
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      const value = attrs[name];
      if (value === false || value === null || value === undefined) return;
      if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function svg(pathData) {
    const ns = 'http://www.w3.org/2000/svg';
    const icon = document.createElementNS(ns, 'svg');
    icon.setAttribute('viewBox', '0 0 24 24');
    icon.setAttribute('width', '20');
    icon.setAttribute('height', '20');
    icon.setAttribute('aria-hidden', 'true');
    icon.setAttribute('focusable', 'false');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', pathData);
    path.setAttribute('fill', 'currentColor');
    icon.appendChild(path);
    return icon;
  }
  const ICON_CHAT = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z';
  const ICON_CLOSE = 'M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z';

  function isWordChar(ch) {
    return !!ch && /[0-9A-Za-z\u00C0-\u024F]/.test(ch);
  }

  // Where `needle` appears in `text` as a whole token ("3018" but not the one in "3018.fr").
  function findToken(text, needle, from) {
    let index = text.indexOf(needle, from);
    while (index !== -1) {
      const before = text.charAt(index - 1);
      const after = text.charAt(index + needle.length);
      const afterNext = text.charAt(index + needle.length + 1);
      const dotted = (after === '.' || after === ',') && /[0-9A-Za-z]/.test(afterNext);
      if (!isWordChar(before) && !isWordChar(after) && !dotted) return index;
      index = text.indexOf(needle, index + 1);
    }
    return -1;
  }

  // Append `text` to `parent` as text nodes, with each listed number as an <a href="tel:...">.
  function appendLinked(parent, text, links) {
    let position = 0;
    while (position < text.length) {
      let best = null;
      links.forEach(function (link) {
        const index = findToken(text, link.text, position);
        if (index === -1) return;
        if (!best || index < best.index || (index === best.index && link.text.length > best.link.text.length)) {
          best = { index: index, link: link };
        }
      });
      if (!best) break;
      if (best.index > position) parent.appendChild(document.createTextNode(text.slice(position, best.index)));
      parent.appendChild(el('a', { href: best.link.href, class: 'relais-link', text: best.link.text }));
      position = best.index + best.link.text.length;
    }
    if (position < text.length) parent.appendChild(document.createTextNode(text.slice(position)));
    return parent;
  }

  // ---- building the widget -----------------------------------------------------------------

  let history = [];
  let sender = null;
  let busy = false;
  const pending = []; // messages typed while a reply was on its way, in order
  let quitting = false;
  let controller = null;
  let lastEscape = 0;
  let ui = null;

  function build() {
    // widget.css from the script's own origin; reused if the page already links it (demo page).
    const cssHref = new URL('widget.css', scriptUrl).href;
    let stylesheet = Array.prototype.filter.call(
      document.querySelectorAll('link[rel="stylesheet"]'),
      function (link) { return link.href === cssHref; })[0];
    if (!stylesheet) {
      stylesheet = el('link', { rel: 'stylesheet', href: cssHref });
      document.head.appendChild(stylesheet);
    }
    if (!stylesheet.id) stylesheet.id = 'relais-widget-css';

    const launcher = el('button', {
      type: 'button',
      id: 'relais-launcher',
      class: 'relais-launcher',
      'aria-expanded': 'false',
      'aria-controls': 'relais-panel'
    }, [svg(ICON_CHAT), el('span', { class: 'relais-launcher-text', text: S.launcher })]);

    const quit = el('button', {
      type: 'button',
      id: 'relais-quit',
      class: 'relais-quit',
      'aria-describedby': 'relais-quit-hint'
    }, [el('span', { text: S.quit })]);
    const quitHint = el('span', { id: 'relais-quit-hint', class: 'relais-sr', text: S.quitHint });

    const close = el('button', {
      type: 'button',
      id: 'relais-close',
      class: 'relais-close',
      'aria-label': S.close
    }, [svg(ICON_CLOSE)]);

    const header = el('div', { class: 'relais-header' }, [
      el('div', { class: 'relais-title', id: 'relais-title', text: S.title }),
      quit,
      quitHint,
      close,
      appendLinked(el('p', { class: 'relais-subtitle', id: 'relais-subtitle' }), S.subtitle, OWN_LINKS)
    ]);

    // "Urgence : 112 · SMS 114 · Suicide : 3114": one cell per number; the whole cell is the target.
    const emergency = el('p', { class: 'relais-emergency', id: 'relais-emergency', role: 'note', 'aria-label': S.emergencyLabel });
    S.emergency.split(/(\s*·\s*)/).forEach(function (part) {
      if (!part) return;
      if (/^\s*·\s*$/.test(part)) emergency.appendChild(el('span', { class: 'relais-emergency-sep', text: part }));
      else emergency.appendChild(appendLinked(el('span', { class: 'relais-emergency-item' }), part, OWN_LINKS));
    });

    const log = el('div', {
      id: 'relais-log',
      class: 'relais-log',
      role: 'log',
      'aria-live': 'polite',
      'aria-relevant': 'additions',
      'aria-label': S.logLabel
    });
    const typing = el('div', { id: 'relais-typing', class: 'relais-typing', 'aria-hidden': 'true', hidden: true }, [
      el('span', { class: 'relais-dots' }, [el('span'), el('span'), el('span')]),
      el('span', { class: 'relais-typing-text', text: S.typing })
    ]);
    const scroller = el('div', { class: 'relais-scroll', id: 'relais-scroll' }, [log, typing]);

    const input = el('input', {
      type: 'text',
      id: 'relais-input',
      class: 'relais-input',
      name: 'message',
      maxlength: MAX_MESSAGE_CHARS,
      autocomplete: 'off',
      autocapitalize: 'sentences',
      spellcheck: 'true',
      enterkeyhint: 'send',
      placeholder: S.placeholder
    });
    const send = el('button', { type: 'submit', id: 'relais-send', class: 'relais-send' }, [
      el('span', { text: S.send })
    ]);
    const form = el('form', { id: 'relais-form', class: 'relais-form', novalidate: true }, [
      el('label', { for: 'relais-input', class: 'relais-sr', text: S.inputLabel }),
      input,
      send
    ]);
    const note = el('p', { class: 'relais-note', id: 'relais-note', text: S.note });

    const panel = el('div', {
      id: 'relais-panel',
      class: 'relais-panel',
      role: 'dialog',
      'aria-label': S.dialogLabel,
      'aria-describedby': 'relais-subtitle',
      'aria-modal': 'false',
      hidden: true
    }, [header, emergency, scroller, form, note]);

    // Hidden until widget.css has loaded, so the page never shows it unstyled.
    const root = el('div', { id: 'relais-widget', class: 'relais-root', lang: 'fr', hidden: true }, [panel, launcher]);
    document.body.appendChild(root);

    ui = { root: root, launcher: launcher, panel: panel, quit: quit, close: close, log: log,
      scroller: scroller, typing: typing, form: form, input: input, send: send, stylesheet: stylesheet };

    launcher.addEventListener('click', function () { setOpen(!isOpen()); });
    close.addEventListener('click', function () { setOpen(false); });
    quit.addEventListener('click', quickExit);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      deliver(text, text); // queued if a reply is still on its way: nothing typed is lost
    });
    panel.addEventListener('keydown', trapFocus);
    document.addEventListener('keydown', onKeydown, true);
  }

  // ---- rendering messages ------------------------------------------------------------------

  function renderEntry(entry) {
    const row = el('div', { class: 'relais-msg relais-msg-' + (entry.who === 'user' ? 'user' : 'bot') });
    if (entry.text) {
      const bubble = el('p', { class: 'relais-bubble' }, [
        el('span', { class: 'relais-sr', text: entry.who === 'user' ? S.userPrefix : S.botPrefix })
      ]);
      if (entry.who === 'user') bubble.appendChild(document.createTextNode(entry.text));
      else appendLinked(bubble, entry.text, entry.who === 'own' ? OWN_LINKS : entry.links);
      row.appendChild(bubble);
    }
    if (entry.who === 'bot' && entry.buttons.length) {
      const group = el('div', { class: 'relais-buttons', role: 'group', 'aria-label': S.buttonsLabel });
      entry.buttons.forEach(function (button) {
        const node = el('button', { type: 'button', class: 'relais-button', text: button.title });
        node.disabled = entry.used;
        node.addEventListener('click', function () {
          if (busy || entry.used) return;
          entry.used = true;
          group.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
          saveHistory();
          deliver(button.payload, button.title);
          if (ui) focus(ui.input);
        });
        group.appendChild(node);
      });
      row.appendChild(group);
    }
    ui.log.appendChild(row);
    scrollToEnd();
  }

  function addEntry(entry) {
    const clean = cleanEntry(entry);
    if (!clean) return;
    history.push(clean);
    if (history.length > MAX_HISTORY) history = history.slice(-MAX_HISTORY);
    saveHistory();
    renderEntry(clean);
  }

  function scrollToEnd() {
    ui.scroller.scrollTop = ui.scroller.scrollHeight;
  }

  function setBusy(value) {
    busy = value;
    ui.typing.hidden = !value;
    ui.log.setAttribute('aria-busy', value ? 'true' : 'false');
    ui.send.setAttribute('aria-disabled', value ? 'true' : 'false');
    if (value) scrollToEnd();
  }

  function failsafe() {
    addEntry({ who: 'own', text: S.failsafe });
  }

  // ---- talking to the server ---------------------------------------------------------------

  // Sends `message`; shows `shown` as the user's bubble (nothing if null, for the start message).
  async function deliver(message, shown) {
    if (quitting) return;
    if (busy) {
      // A message typed while the previous reply is on its way waits its turn, shown at once.
      if (shown !== null) addEntry({ who: 'user', text: shown });
      pending.push(message);
      return;
    }
    if (message.length > MAX_MESSAGE_CHARS || new TextEncoder().encode(message).length > MAX_BODY_BYTES - 200) {
      addEntry({ who: 'own', text: S.tooLong });
      return;
    }
    if (shown !== null) addEntry({ who: 'user', text: shown });
    if (!sender) sender = getSender(); // created on first use: nothing is stored for visitors who never chat
    setBusy(true);
    let replies = null;
    let refusedAsTooLong = false;
    controller = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    try {
      const response = await fetch(ENDPOINT, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ sender: sender, message: message, id: newSender() }), // id: a retried request is answered once
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'strict-origin',
        signal: controller ? controller.signal : undefined
      });
      if (response.status === 413) refusedAsTooLong = true;
      else if (response.ok) replies = await response.json();
    } catch (e) {
      replies = null; // network error, timeout, invalid JSON: fail-safe below
    } finally {
      if (timer) clearTimeout(timer);
      controller = null;
    }
    if (quitting) return;
    setBusy(false);
    const shownReplies = Array.isArray(replies) ? replies.map(function (reply) {
      if (!reply || typeof reply !== 'object') return null;
      return cleanEntry({ who: 'bot', text: reply.text, buttons: reply.buttons, links: reply.links });
    }).filter(Boolean) : [];
    if (refusedAsTooLong) addEntry({ who: 'own', text: S.tooLong });
    else if (!shownReplies.length) failsafe(); // never leave the person without an answer
    else shownReplies.forEach(addEntry);
    if (pending.length) deliver(pending.shift(), null);
  }

  // ---- open, close, quit -----------------------------------------------------------------

  function isOpen() {
    return !!ui && !ui.panel.hidden;
  }

  function setOpen(open, options) {
    if (!ui || quitting) return;
    const keepFocus = options && options.keepFocus;
    ui.panel.hidden = !open;
    ui.root.classList.toggle('relais-is-open', open);
    ui.launcher.setAttribute('aria-expanded', open ? 'true' : 'false');
    storageSet(KEYS.open, open ? '1' : '0');
    if (open) {
      ui.panel.setAttribute('aria-modal', window.matchMedia(SMALL_SCREEN).matches ? 'true' : 'false');
      scrollToEnd();
      if (!keepFocus) focus(ui.input);
      if (!history.length && START_MESSAGE && !busy) deliver(START_MESSAGE, null);
    } else if (!keepFocus) {
      focus(ui.launcher);
    }
  }

  function quickExit() {
    if (quitting) return;
    quitting = true;
    // Hide the host page at once, before the neutral page has loaded.
    try { document.documentElement.style.setProperty('visibility', 'hidden', 'important'); } catch (e) { /* keep going */ }
    if (controller) {
      try { controller.abort(); } catch (e) { /* already done */ }
    }
    storageClear();
    history = [];
    pending.length = 0;
    if (ui) {
      while (ui.log.firstChild) ui.log.removeChild(ui.log.firstChild);
      ui.input.value = '';
      if (ui.root.parentNode) ui.root.parentNode.removeChild(ui.root);
    }
    document.removeEventListener('keydown', onKeydown, true);
    window.location.replace(QUIT_URL);
  }

  function onKeydown(event) {
    if (event.key !== 'Escape' && event.key !== 'Esc') return;
    const now = Date.now();
    if (now - lastEscape <= DOUBLE_ESCAPE_MS) {
      lastEscape = 0;
      event.preventDefault();
      quickExit();
      return;
    }
    lastEscape = now;
    if (isOpen() && ui.panel.contains(document.activeElement)) {
      event.preventDefault();
      setOpen(false);
    }
  }

  // Full-screen on small screens: keep Tab inside the panel.
  function trapFocus(event) {
    if (event.key !== 'Tab' || !window.matchMedia(SMALL_SCREEN).matches) return;
    const focusable = Array.prototype.filter.call(
      ui.panel.querySelectorAll('a[href], button:not([disabled]), input:not([disabled])'),
      function (node) { return node.offsetParent !== null; });
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      focus(last);
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      focus(first);
    }
  }

  // ---- start -------------------------------------------------------------------------------

  function wantsOpen() {
    if (data.open === 'true' || data.open === '') return true;
    try {
      if (new URLSearchParams(window.location.search).get('open') === '1') return true;
    } catch (e) { /* no query */ }
    return storageGet(KEYS.open) === '1';
  }

  function init() {
    history = loadHistory();
    build();
    history.forEach(renderEntry);
    let shown = false;
    function show() {
      if (shown || quitting) return;
      shown = true;
      ui.root.hidden = false;
      if (wantsOpen()) setOpen(true);
    }
    ui.stylesheet.addEventListener('load', show);
    ui.stylesheet.addEventListener('error', show); // unstyled but usable beats invisible
    setTimeout(show, 4000);
    if (ui.stylesheet.sheet) show();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
