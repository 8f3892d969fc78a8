/* Reload a page that carries data-refresh-seconds (the supervisors' board), but only while it
   is visible, so a background tab does not query the server every minute. */
(function () {
  "use strict";
  var el = document.querySelector("[data-refresh-seconds]");
  if (!el) { return; }
  var seconds = parseInt(el.getAttribute("data-refresh-seconds"), 10);
  if (!(seconds > 0)) { return; }
  var due = Date.now() + seconds * 1000;
  setInterval(function () {
    if (document.visibilityState === "visible" && Date.now() >= due) {
      window.location.reload();
    }
  }, 1000);
})();
