/*
 * Relais chat frame: the conversation, inside an <iframe> served from the Relais origin.
 *
 * The host page only has the loader (widget.js): a launcher button and this frame. What is typed,
 * the replies, the sender id and the history live here, in this origin's sessionStorage, out of
 * reach of the host page's scripts. Frame and loader talk by postMessage, origins checked both
 * ways, and say only "ready", "open", "close", "exit" and "unread" (a count): never a message.
 *
 * Plain ES2017, no dependency, no build step. POST <endpoint> {"sender", "message", "id"} ->
 * [{"text", "buttons"?: [{title, payload}], "links"?: [{text, href}], "custom"?: {"erased"}}].
 * Server text is rendered with textContent only; numbers listed in `links` become tel:/sms: links.
 *
 * Numbers are never typed here: the fail-safe text and the header's numbers come from the server
 * (#relais-config, built from data/content/failsafe.yml and data/helplines.yml).
 *
 * Quick exit: the "Quitter vite" button, or Shift three times in a row while the chat has focus
 * (a visible counter shows the presses). It wipes the screen and storage, asks the server to
 * erase the conversation, and has the loader replace the page with a neutral one.
 */
(function () {
  'use strict';

  const STRINGS = {
    title: 'Relais',
    subtitle: 'Je suis un robot. En danger : {emergency}.',
    close: 'Réduire la discussion',
    quit: 'Quitter vite',
    quitHint: 'Quitter vite : efface la discussion et ouvre une autre page. Raccourci : Maj trois fois.',
    shiftCount: 'Maj : {count} sur 3. Encore {left} pour quitter.',
    emergency: 'Urgence : {emergency} · SMS {silent} · Suicide : {suicide}',
    emergencyLabel: "Numéros d'urgence",
    logLabel: 'Messages',
    botPrefix: 'Relais : ',
    userPrefix: 'Toi : ',
    buttonsLabel: 'Réponses possibles',
    inputLabel: 'Ton message',
    placeholder: 'Écris ton message…',
    send: 'Envoyer',
    typing: 'Relais écrit…',
    note: 'Ne donne ni ton nom, ni ton adresse. Maj trois fois : quitter vite.',
    tooLong: 'Ton message est trop long. Essaie en plus court.'
  };

  const KEY_PREFIX = 'relais.webchat.';
  const KEYS = { sender: KEY_PREFIX + 'sender', history: KEY_PREFIX + 'history' };
  const ENDPOINT = new URL('webhook', location.href).href;
  const NEUTRAL = new URL('neutral', location.href).href;
  const START = '/start';
  const SENDER_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
  const LINK_HREF_PATTERN = /^(tel|sms):\+?[0-9][0-9 .-]{1,19}$/;
  const COLOR_PATTERN = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
  const MAX_MESSAGE_CHARS = 1000;
  const MAX_BODY_BYTES = 4000; // the server refuses above 4096
  const MAX_HISTORY = 200;
  const MAX_BUTTONS = 10;
  const MAX_LINKS = 10;
  const TIMEOUT_MS = 20000;
  const SHIFT_PRESSES = 3;
  const SHIFT_WINDOW_MS = 5000;
  const SMALL_SCREEN = '(max-width: 479.98px)';

  let config = {};
  try { config = JSON.parse(document.getElementById('relais-config').textContent) || {}; } catch (e) { config = {}; }
  const numbers = config.numbers || {};
  const erase = config.erase || {};
  const eraseCommands = (erase.commands || []).map(function (c) { return String(c).trim().toLowerCase(); });

  // What the loader says about the host page, in the frame's URL (never anything of the chat).
  const params = new URLSearchParams(location.search);
  const host = httpOrigin(params.get('host'));
  const embedded = window.parent !== window && !!host;
  const exitUrl = httpUrl(params.get('exit')) || NEUTRAL;
  const S = Object.assign({}, STRINGS);
  const title = (params.get('title') || '').trim();
  if (title) S.title = title.slice(0, 60);

  function httpOrigin(value) {
    try {
      const url = new URL(value);
      return /^https?:$/.test(url.protocol) ? url.origin : null;
    } catch (e) { return null; }
  }
  function httpUrl(value) {
    try {
      const url = new URL(value);
      return /^https?:$/.test(url.protocol) ? url.href : null;
    } catch (e) { return null; }
  }

  // ---- theme: the publisher's accent, with a text colour that keeps its contrast ------------

  function luminance(hex) {
    const full = hex.length === 4 ? hex.replace(/[0-9a-f]/gi, '$&$&') : hex;
    const channels = [1, 3, 5].map(function (i) {
      const c = parseInt(full.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }
  const accent = params.get('accent');
  if (accent && COLOR_PATTERN.test(accent)) {
    const root = document.documentElement.style;
    const l = luminance(accent);
    root.setProperty('--relais-accent', accent);
    // white text if it contrasts more than near-black does
    root.setProperty('--relais-on-accent', (1.05 / (l + 0.05)) >= ((l + 0.05) / 0.0611) ? '#ffffff' : '#111827');
  }

  // ---- talking to the loader -----------------------------------------------------------------

  function tell(type, extra) {
    if (!embedded) return;
    try { window.parent.postMessage(Object.assign({ relais: 1, type: type }, extra || {}), host); } catch (e) { /* gone */ }
  }

  let open = !embedded; // a frame opened on its own is always "open"
  let unread = 0;
  window.addEventListener('message', function (event) {
    if (!embedded || event.source !== window.parent || event.origin !== host) return;
    const data = event.data;
    if (!data || data.relais !== 1) return;
    if (data.type === 'open') {
      open = true;
      unread = 0;
      if (ui) {
        ui.panel.setAttribute('aria-modal', matchMedia(SMALL_SCREEN).matches ? 'true' : 'false');
        scrollToEnd();
        focus(ui.input);
      }
      if (!history.length && !busy && !started) { started = true; deliver(START, null); }
    } else if (data.type === 'close') {
      open = false;
    }
  });

  // ---- storage (sessionStorage of this origin only; in memory if unavailable) ---------------

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

  function newId() {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const bytes = new Uint8Array(32);
    window.crypto.getRandomValues(bytes);
    let id = '';
    for (let i = 0; i < bytes.length; i += 1) id += alphabet[bytes[i] & 63]; // 256 = 4 x 64: unbiased
    return id;
  }

  function getSender() {
    let id = storageGet(KEYS.sender);
    if (!id || !SENDER_PATTERN.test(id)) {
      id = newId();
      storageSet(KEYS.sender, id);
    }
    return id;
  }

  function loadHistory() {
    try {
      const parsed = JSON.parse(storageGet(KEYS.history) || '[]');
      return Array.isArray(parsed) ? parsed.map(cleanEntry).filter(Boolean).slice(-MAX_HISTORY) : [];
    } catch (e) {
      return [];
    }
  }

  // What was said, for a reload; nothing at all once erased (the "c'est fait" is not kept).
  function saveHistory() {
    if (quitting) return;
    const kept = history.filter(function (e) { return !e.transient; }).slice(-MAX_HISTORY);
    if (kept.length) storageSet(KEYS.history, JSON.stringify(kept));
    else storageClear();
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
    const buttons = entry.who === 'bot' ? cleanButtons(entry.buttons) : [];
    if (!text && !buttons.length) return null;
    return { who: 'bot', text: text, buttons: buttons, links: cleanLinks(entry.links), used: !!entry.used };
  }

  // ---- DOM helpers (no innerHTML anywhere) -----------------------------------------------

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
  const ICON_CLOSE = 'M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z';

  function isWordChar(ch) {
    return !!ch && /[0-9A-Za-z\u00C0-\u024F]/.test(ch);
  }

  // Where `needle` appears in `text` as a whole token (a number, but not the same digits in a
  // web address such as the line's site name followed by ".fr").
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

  // A template such as "Urgence : {emergency}" with each {topic} as the server's number link.
  function appendTemplate(parent, template) {
    template.split(/(\{[a-z]+\})/).forEach(function (part) {
      const topic = /^\{([a-z]+)\}$/.exec(part);
      const number = topic && numbers[topic[1]];
      if (number && LINK_HREF_PATTERN.test(number.href)) {
        parent.appendChild(el('a', { href: number.href, class: 'relais-link', text: number.text }));
      } else if (!topic && part) {
        parent.appendChild(document.createTextNode(part));
      }
    });
    return parent;
  }

  // ---- building the chat -------------------------------------------------------------------

  let history = [];
  let sender = null;
  let busy = false;
  let started = false;
  const pending = []; // messages typed while a reply was on its way, in order
  let quitting = false;
  let controller = null;
  let shifts = [];
  let ui = null;

  function build() {
    const quit = el('button', { type: 'button', id: 'relais-quit', class: 'relais-quit', 'aria-describedby': 'relais-quit-hint' }, [
      el('span', { text: S.quit }),
      el('span', { class: 'relais-shift', id: 'relais-shift', 'aria-hidden': 'true' }, [el('span'), el('span'), el('span')])
    ]);
    const quitHint = el('span', { id: 'relais-quit-hint', class: 'relais-sr', text: S.quitHint });
    const shiftStatus = el('span', { id: 'relais-shift-status', class: 'relais-sr', role: 'status' });
    const close = embedded ? el('button', { type: 'button', id: 'relais-close', class: 'relais-close', 'aria-label': S.close }, [svg(ICON_CLOSE)]) : null;

    const header = el('header', { class: 'relais-header' + (close ? '' : ' relais-no-close') }, [
      el('h1', { class: 'relais-title', id: 'relais-title', text: S.title }),
      quit,
      quitHint,
      shiftStatus,
      close,
      appendTemplate(el('p', { class: 'relais-subtitle', id: 'relais-subtitle' }), S.subtitle)
    ]);

    // "Urgence : <number> · SMS <number> · ...": one cell per number; the whole cell is the target.
    const emergency = el('p', { class: 'relais-emergency', id: 'relais-emergency', role: 'note', 'aria-label': S.emergencyLabel });
    S.emergency.split(/(\s*·\s*)/).forEach(function (part) {
      if (!part) return;
      if (/^\s*·\s*$/.test(part)) emergency.appendChild(el('span', { class: 'relais-emergency-sep', 'aria-hidden': 'true', text: part }));
      else emergency.appendChild(appendTemplate(el('span', { class: 'relais-emergency-item' }), part));
    });

    const log = el('div', { id: 'relais-log', class: 'relais-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': S.logLabel });
    const typing = el('div', { id: 'relais-typing', class: 'relais-typing', 'aria-hidden': 'true', hidden: true }, [
      el('span', { class: 'relais-dots' }, [el('span'), el('span'), el('span')]),
      el('span', { text: S.typing })
    ]);
    const scroller = el('div', { class: 'relais-scroll', id: 'relais-scroll' }, [log, typing]);

    const input = el('input', {
      type: 'text', id: 'relais-input', class: 'relais-input', name: 'message', maxlength: MAX_MESSAGE_CHARS,
      autocomplete: 'off', autocapitalize: 'sentences', spellcheck: 'true', enterkeyhint: 'send', placeholder: S.placeholder
    });
    const send = el('button', { type: 'submit', id: 'relais-send', class: 'relais-send' }, [el('span', { text: S.send })]);
    const form = el('form', { id: 'relais-form', class: 'relais-form', novalidate: true }, [
      el('label', { for: 'relais-input', class: 'relais-sr', text: S.inputLabel }), input, send
    ]);
    const note = el('p', { class: 'relais-note', id: 'relais-note', text: S.note });

    const panel = el('div', {
      id: 'relais-panel', class: 'relais-panel', role: 'dialog', 'aria-labelledby': 'relais-title',
      'aria-describedby': 'relais-subtitle', 'aria-modal': 'false'
    }, [header, emergency, el('main', { class: 'relais-main' }, [scroller, form, note])]);
    document.body.appendChild(panel);

    ui = { panel: panel, log: log, scroller: scroller, typing: typing, form: form, input: input, send: send, shift: quit.lastChild, shiftStatus: shiftStatus };

    if (close) close.addEventListener('click', function () { tell('close'); });
    quit.addEventListener('click', quickExit);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      deliver(text, text); // queued if a reply is still on its way: nothing typed is lost
    });
    document.addEventListener('keydown', onKeydown, true);
  }

  // ---- rendering messages ------------------------------------------------------------------

  function renderEntry(entry) {
    const row = el('div', { class: 'relais-msg relais-msg-' + entry.who });
    if (entry.text) {
      const bubble = el('p', { class: 'relais-bubble' }, [
        el('span', { class: 'relais-sr', text: entry.who === 'user' ? S.userPrefix : S.botPrefix })
      ]);
      if (entry.who === 'user') bubble.appendChild(document.createTextNode(entry.text));
      else appendLinked(bubble, entry.text, entry.links);
      row.appendChild(bubble);
    }
    if (entry.buttons && entry.buttons.length) {
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
          focus(ui.input);
        });
        group.appendChild(node);
      });
      row.appendChild(group);
    }
    ui.log.appendChild(row);
    scrollToEnd();
  }

  function addEntry(entry, transient) {
    const clean = cleanEntry(entry);
    if (!clean) return;
    if (transient) clean.transient = true;
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
    const text = config.failsafe && config.failsafe.text;
    if (text) addEntry({ who: 'own', text: text, links: config.failsafe.links });
  }

  // ---- erasure: the command typed (or pressed), or the server's mark ------------------------

  function asksErasure(message) {
    const text = message.trim().toLowerCase();
    return eraseCommands.indexOf(text) !== -1 || (!!erase.payload && text === erase.payload);
  }

  // The server has erased the conversation: forget it here too, screen and storage. The reply
  // ("c'est fait") stays on screen, not stored: a reload shows an empty chat.
  function forget(replies) {
    storageClear();
    history = [];
    sender = null;
    pending.length = 0;
    while (ui.log.firstChild) ui.log.removeChild(ui.log.firstChild);
    replies.forEach(function (reply) { addEntry(reply, true); });
  }

  // ---- talking to the server ---------------------------------------------------------------

  function post(message, keepalive) {
    return fetch(ENDPOINT, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ sender: sender, message: message, id: newId() }), // id: a retried request is answered once
      credentials: 'omit',
      cache: 'no-store',
      keepalive: !!keepalive,
      signal: controller ? controller.signal : undefined
    });
  }

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
      const response = await post(message, false);
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
    let erased = asksErasure(message);
    const shownReplies = Array.isArray(replies) ? replies.map(function (reply) {
      if (!reply || typeof reply !== 'object') return null;
      if (reply.custom && reply.custom.erased === true) erased = true;
      return cleanEntry({ who: 'bot', text: reply.text, buttons: reply.buttons, links: reply.links });
    }).filter(Boolean) : [];
    if (refusedAsTooLong) addEntry({ who: 'own', text: S.tooLong });
    else if (!shownReplies.length) failsafe(); // never leave the person without an answer
    else if (erased) forget(shownReplies);
    else shownReplies.forEach(function (reply) { addEntry(reply); });
    if (!open && shownReplies.length) {
      unread += 1;
      tell('unread', { count: unread });
    }
    if (pending.length) deliver(pending.shift(), null);
  }

  // ---- quick exit, keyboard ------------------------------------------------------------------

  function quickExit() {
    if (quitting) return;
    quitting = true;
    try { document.documentElement.style.setProperty('visibility', 'hidden', 'important'); } catch (e) { /* keep going */ }
    if (controller) {
      try { controller.abort(); } catch (e) { /* already done */ }
    }
    const known = sender || storageGet(KEYS.sender);
    storageClear();
    history = [];
    pending.length = 0;
    if (ui) {
      while (ui.log.firstChild) ui.log.removeChild(ui.log.firstChild);
      ui.input.value = '';
    }
    if (known && SENDER_PATTERN.test(known) && erase.payload) {
      sender = known;
      controller = null;
      post(erase.payload, true).catch(function () { /* best effort: the server's TTL ends it anyway */ });
    }
    document.removeEventListener('keydown', onKeydown, true);
    if (embedded) {
      tell('exit');
      // If the loader is gone, leave from here (the key press or click allows it).
      setTimeout(function () {
        try { window.top.location.replace(exitUrl); } catch (e) { window.location.replace(NEUTRAL); }
      }, 600);
    } else {
      window.location.replace(exitUrl);
    }
  }

  function showShifts(count) {
    ui.shift.classList.toggle('relais-shift-on', count > 0);
    Array.prototype.forEach.call(ui.shift.children, function (dot, i) {
      dot.classList.toggle('relais-shift-lit', i < count);
    });
    ui.shiftStatus.textContent = count > 0 && count < SHIFT_PRESSES
      ? S.shiftCount.replace('{count}', count).replace('{left}', SHIFT_PRESSES - count) : '';
  }

  function onKeydown(event) {
    if (event.key === 'Shift') {
      if (event.repeat) return;
      const now = Date.now();
      shifts = shifts.filter(function (t) { return now - t <= SHIFT_WINDOW_MS; });
      shifts.push(now);
      showShifts(shifts.length);
      if (shifts.length >= SHIFT_PRESSES) {
        shifts = [];
        quickExit();
      }
      return;
    }
    if (shifts.length) { shifts = []; showShifts(0); } // any other key: not a quick exit
    if ((event.key === 'Escape' || event.key === 'Esc') && embedded) {
      event.preventDefault();
      tell('close');
      return;
    }
    if (event.key === 'Tab') trapFocus(event);
  }

  // Full-screen on small screens: keep Tab inside the chat.
  function trapFocus(event) {
    if (!matchMedia(SMALL_SCREEN).matches) return;
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

  function init() {
    history = loadHistory();
    build();
    history.forEach(renderEntry);
    if (embedded) tell('ready');
    else if (!history.length) { started = true; deliver(START, null); }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
