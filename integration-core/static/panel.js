// The panel's sign-in: SuperOffice's sign-in page cannot be framed, so it opens in a pop-up.
// The pop-up's last page posts a one-time code back to this frame (same origin only), which
// trades it for the session cookie. Without scripts the links open the sign-in in a new tab.
(function () {
  "use strict";
  var status = document.getElementById("sign-in-status");
  function say(text) { if (status) { status.textContent = text; } }
  var links = document.querySelectorAll("a[data-popup]");
  for (var i = 0; i < links.length; i++) {
    links[i].addEventListener("click", function (event) {
      var popup = window.open(this.href, "oneflow-sign-in", "popup,width=520,height=700");
      if (popup) {
        event.preventDefault();
        say("Signing in with SuperOffice in a new window…");
      }
    });
  }
  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin) { return; }
    var data = event.data;
    if (!data || data.type !== "oneflow-handoff" || typeof data.code !== "string") { return; }
    var body = new URLSearchParams();
    body.set("code", data.code);
    fetch("/superoffice/panel/session", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      if (response.ok) {
        window.location.reload();
      } else {
        say("The sign-in could not be completed. Please sign in again.");
      }
    }, function () {
      say("The sign-in could not be completed (no connection). Please try again.");
    });
  });
}());
