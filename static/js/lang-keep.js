/* Switching language keeps what was typed: the form's text fields are kept in this tab's
   sessionStorage for the one page load after the switch, then put back and forgotten.
   Passwords, files and hidden fields are never stored. */
(function () {
  "use strict";
  var KEY = "lang-keep:" + location.pathname;
  var KEEP = "input[type=text], input[type=email], input[type=tel], input[type=search], " +
    "input:not([type]), textarea, select, input[type=radio], input[type=checkbox]";

  function fields() {
    return Array.prototype.slice.call(document.querySelectorAll("form " + KEEP))
      .filter(function (el) { return el.name && el.name !== "website"; });
  }

  try {
    var saved = sessionStorage.getItem(KEY);
    if (saved) {
      sessionStorage.removeItem(KEY);
      var values = JSON.parse(saved);
      fields().forEach(function (el) {
        var key = el.form ? (el.form.getAttribute("action") || "") + "|" + el.name : el.name;
        if (!(key in values)) { return; }
        if (el.type === "radio") { el.checked = values[key] === el.value; }
        else if (el.type === "checkbox") { el.checked = !!values[key]; }
        else if (!el.value) { el.value = values[key]; }
      });
    }
  } catch (e) { /* storage off: the switch still works, without the typed text */ }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-lang-switch]");
    if (!link) { return; }
    var values = {};
    var any = false;
    fields().forEach(function (el) {
      var key = el.form ? (el.form.getAttribute("action") || "") + "|" + el.name : el.name;
      if (el.type === "radio") { if (el.checked) { values[key] = el.value; any = true; } }
      else if (el.type === "checkbox") { values[key] = el.checked; any = any || el.checked; }
      else if (el.value && el.value !== el.defaultValue) { values[key] = el.value; any = true; }
    });
    try { if (any) { sessionStorage.setItem(KEY, JSON.stringify(values)); } } catch (e) { /* */ }
  });
}());
