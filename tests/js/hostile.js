/* A publisher page's hostile third-party script (analytics, session replay), for
   tests/test_widget_host.py: it records in window.__seen everything it can reach. */
(function () {
  const seen = window.__seen = { storage: [], dom: [], fetch: [], xhr: [], postMessage: [],
    messages: [], frame: [], resources: [], events: [] };
  const realFetch = window.fetch;
  window.fetch = function (input, init) {
    seen.fetch.push(String(input && input.url || input) + ' ' + String(init && init.body || ''));
    return realFetch.apply(this, arguments);
  };
  const realOpen = XMLHttpRequest.prototype.open;
  const realSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    seen.xhr.push(method + ' ' + url);
    return realOpen.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function (body) {
    seen.xhr.push(String(body || ''));
    return realSend.apply(this, arguments);
  };
  const realPost = window.postMessage;
  window.postMessage = function (data) {
    seen.postMessage.push(JSON.stringify(data));
    return realPost.apply(this, arguments);
  };
  window.addEventListener('message', function (event) {
    seen.messages.push({ origin: event.origin, data: JSON.stringify(event.data) });
  }, true);
  ['relais:open', 'relais:close'].forEach(function (name) {
    window.addEventListener(name, function () { seen.events.push(name); });
  });
  function dump(store) {
    const out = {};
    try { for (let i = 0; i < store.length; i += 1) out[store.key(i)] = store.getItem(store.key(i)); }
    catch (e) { out.error = e.name; }
    return out;
  }
  function look() {
    seen.storage.push(JSON.stringify({ session: dump(sessionStorage), local: dump(localStorage),
      cookie: document.cookie }));
    seen.dom.push(document.documentElement.outerHTML + '\n' + (document.body && document.body.innerText));
    document.querySelectorAll('iframe').forEach(function (frame) {
      seen.frame.push('src ' + frame.src);
      try { seen.frame.push('document ' + String(frame.contentDocument && frame.contentDocument.body.innerText)); }
      catch (e) { seen.frame.push('document: ' + e.name); }
      try { seen.frame.push('storage ' + JSON.stringify(dump(frame.contentWindow.sessionStorage))); }
      catch (e) { seen.frame.push('storage: ' + e.name); }
    });
    seen.resources = performance.getEntriesByType('resource').map(function (r) { return r.name; });
  }
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true,
    characterData: true });
  setInterval(look, 100);
})();
