/*
 * Relais loader, for a publisher's page. One tag (the README lists every attribute):
 *   <script src="https://relais.example.org/webhooks/webchat/widget.js" defer
 *           data-accent="#1d4ed8" data-position="right" data-exit-url="https://..."></script>
 *
 * It adds a launcher button and, on first open, an <iframe> of the chat served from the Relais
 * origin. The conversation (text, history, storage) lives in that frame: nothing of it is in this
 * page's DOM, storage or network calls. Loader and frame talk by postMessage, origins checked:
 * "ready", "open", "close", "exit", "unread" (a count). It stores nothing, sets no cookie,
 * injects no <style> (styles are set through the DOM, which a strict CSP allows).
 *
 * API: window.Relais.open(), .close(), .isOpen(); events "relais:open" and "relais:close" on
 * window; any element with data-relais-open opens the chat when clicked.
 */
(function () {
  'use strict';
  var script = document.currentScript || document.querySelector('script[src*="/webchat/widget.js"]');
  if (!script || window.Relais) return;
  var data = script.dataset || {};
  var base = new URL(script.src, location.href);
  var ORIGIN = base.origin;
  var SMALL = matchMedia('(max-width: 479.98px)');
  var LABEL = "Besoin d'aide ?";
  var FRAME_TITLE = 'Discussion avec Relais, un robot';
  var UNREAD = 'nouveau message';
  var ICON = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z';

  // A data-* attribute, else the page's CSS custom property (--relais-accent...), else nothing.
  var rootStyle = getComputedStyle(document.documentElement);
  function option(name, property) {
    var value = data[name];
    if (typeof value !== 'string' || !value.trim()) value = rootStyle.getPropertyValue(property);
    return (value || '').trim();
  }
  function httpUrl(value) {
    if (typeof value !== 'string' || !value.trim()) return null;
    try {
      var url = new URL(value, location.href);
      return /^https?:$/.test(url.protocol) ? url.href : null;
    } catch (e) { return null; }
  }
  var accent = option('accent', '--relais-accent');
  if (!/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(accent)) accent = '#1d4ed8';
  var side = option('position', '--relais-position') === 'left' ? 'left' : 'right';
  var z = parseInt(option('zIndex', '--relais-z-index'), 10);
  if (!(z >= 0 && z <= 2147483000)) z = 2147483000;
  var gap = parseInt(option('offset', '--relais-offset'), 10);
  if (!(gap >= 0 && gap <= 200)) gap = 16;
  var label = (data.launcherLabel || '').trim().slice(0, 60) || LABEL;
  var exitUrl = httpUrl(data.exitUrl) || new URL('neutral', base).href;

  function luminance(hex) {
    var full = hex.length === 4 ? hex.replace(/[0-9a-f]/gi, '$&$&') : hex;
    return [1, 3, 5].reduce(function (sum, i, k) {
      var c = parseInt(full.substr(i, 2), 16) / 255;
      c = c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
      return sum + [0.2126, 0.7152, 0.0722][k] * c;
    }, 0);
  }
  var lum = luminance(accent);
  var ink = 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.0611 ? '#ffffff' : '#111827';

  // Inline styles through the CSSOM, each !important: the page's CSS cannot restyle the widget.
  function css(node, rules) {
    Object.keys(rules).forEach(function (name) { node.style.setProperty(name, String(rules[name]), 'important'); });
    return node;
  }
  function el(tag, rules) { return css(document.createElement(tag), Object.assign({ all: 'initial' }, rules)); }

  var launcher = el('button', {
    position: 'fixed', bottom: gap + 'px', display: 'inline-flex', 'align-items': 'center', gap: '8px',
    'box-sizing': 'border-box', 'min-height': '52px', 'max-width': 'calc(100vw - 32px)', padding: '0 20px 0 16px',
    border: '2px solid #ffffff', 'border-radius': '26px', background: accent, color: ink, cursor: 'pointer',
    font: '700 16px/1.2 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif',
    'box-shadow': '0 4px 14px #1118274d', 'z-index': z
  });
  launcher.style.setProperty(side, gap + 'px', 'important');
  launcher.type = 'button';
  launcher.id = 'relais-launcher';
  launcher.setAttribute('aria-expanded', 'false');
  var ns = 'http://www.w3.org/2000/svg';
  var icon = document.createElementNS(ns, 'svg');
  icon.setAttribute('viewBox', '0 0 24 24');
  icon.setAttribute('width', '20');
  icon.setAttribute('height', '20');
  icon.setAttribute('aria-hidden', 'true');
  icon.setAttribute('focusable', 'false');
  var path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICON);
  path.setAttribute('fill', 'currentColor');
  icon.appendChild(path);
  var text = el('span', { font: 'inherit', color: 'inherit', 'white-space': 'nowrap', overflow: 'hidden', 'text-overflow': 'ellipsis' });
  text.textContent = label;
  var badge = el('span', {
    display: 'none', 'min-width': '22px', padding: '0 6px', 'border-radius': '11px', background: '#ffffff',
    color: '#111827', font: '700 14px/22px system-ui, sans-serif', 'text-align': 'center'
  });
  launcher.appendChild(icon);
  launcher.appendChild(text);
  launcher.appendChild(badge);
  function ring(on) {
    if (on) css(launcher, { outline: '3px solid #111827', 'outline-offset': '2px' });
    else launcher.style.removeProperty('outline');
  }
  launcher.addEventListener('focus', function () { ring(launcher.matches(':focus-visible')); });
  launcher.addEventListener('blur', function () { ring(false); });

  var frame = null;
  var ready = false;
  var isOpen = false;

  function post(type) {
    if (frame && ready) frame.contentWindow.postMessage({ relais: 1, type: type }, ORIGIN);
  }

  function layout() {
    if (!frame) return;
    var small = SMALL.matches;
    css(frame, small ? {
      top: '0', bottom: '0', left: '0', right: '0', width: '100%', height: '100%', 'border-radius': '0', border: '0'
    } : {
      border: '1px solid #9ca3af',
      top: 'auto', bottom: (gap + 68) + 'px', width: 'min(380px, calc(100vw - 32px))',
      height: 'min(620px, calc(100vh - ' + (gap + 84) + 'px))', 'border-radius': '14px'
    });
    if (!small) {
      frame.style.setProperty(side, gap + 'px', 'important');
      frame.style.setProperty(side === 'left' ? 'right' : 'left', 'auto', 'important');
    }
    css(launcher, { display: isOpen && small ? 'none' : 'inline-flex' });
  }

  function createFrame() {
    var query = new URLSearchParams({ host: location.origin, exit: exitUrl });
    if (accent) query.set('accent', accent);
    if (data.title) query.set('title', data.title.slice(0, 60));
    frame = el('iframe', {
      position: 'fixed', display: 'none', background: '#ffffff',
      'box-shadow': '0 12px 32px #11182747', 'z-index': z, 'box-sizing': 'border-box',
      'color-scheme': 'normal'
    });
    frame.id = 'relais-frame';
    frame.title = FRAME_TITLE;
    frame.referrerPolicy = 'no-referrer';
    frame.src = new URL('frame', base).href + '?' + query;
    document.body.appendChild(frame);
    layout();
  }

  function setOpen(open, fromFrame) {
    if (open === isOpen) return;
    isOpen = open;
    if (!frame) createFrame();
    css(frame, { display: open ? 'block' : 'none' });
    launcher.setAttribute('aria-expanded', String(open));
    layout();
    if (open) {
      setUnread(0);
      frame.focus();
      post('open');
    } else {
      post('close');
      if (fromFrame) launcher.focus();
    }
    window.dispatchEvent(new CustomEvent(open ? 'relais:open' : 'relais:close'));
  }

  function setUnread(count) {
    badge.textContent = count > 0 ? String(count) : '';
    css(badge, { display: count > 0 ? 'inline-block' : 'none' });
    launcher.setAttribute('aria-label', count > 0 ? label + ' (' + count + ' ' + UNREAD + ')' : label);
  }

  window.addEventListener('message', function (event) {
    if (!frame || event.origin !== ORIGIN || event.source !== frame.contentWindow) return;
    var message = event.data;
    if (!message || message.relais !== 1) return;
    if (message.type === 'ready') {
      ready = true;
      if (isOpen) post('open');
    } else if (message.type === 'close') {
      setOpen(false, true);
    } else if (message.type === 'unread' && !isOpen) {
      setUnread(Math.min(99, message.count | 0));
    } else if (message.type === 'exit') {
      document.documentElement.style.setProperty('visibility', 'hidden', 'important');
      location.replace(exitUrl);
    }
  });

  launcher.addEventListener('click', function () { setOpen(!isOpen); });
  document.addEventListener('click', function (event) {
    var target = event.target && event.target.closest && event.target.closest('[data-relais-open]');
    if (target) { event.preventDefault(); setOpen(true); }
  });
  if (SMALL.addEventListener) SMALL.addEventListener('change', layout);

  window.Relais = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false, document.activeElement === frame); },
    isOpen: function () { return isOpen; }
  };

  function start() {
    setUnread(0);
    document.body.appendChild(launcher);
    if (data.open === 'true' || data.open === '') setOpen(true);
  }
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
