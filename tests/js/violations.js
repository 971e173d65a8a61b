/* Records the page's Content-Security-Policy violations in window.__violations. */
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__violations.push(event.violatedDirective + ' ' + event.blockedURI);
});
