// Last page of the panel's sign-in pop-up: hand the one-time code to the panel frame that
// opened it (our own origin only, never "*"), then close.
(function () {
  "use strict";
  var element = document.getElementById("handoff");
  if (!element) { return; }
  var code = element.getAttribute("data-code");
  if (window.opener && code) {
    window.opener.postMessage({ type: "oneflow-handoff", code: code }, window.location.origin);
    window.close();
  }
}());
