/* What a person typed is not lost to a reload, a phone that drops the tab, a link followed by
   mistake or a language switch. Everything is kept in this tab's sessionStorage only: it is
   gone when the tab is closed, so the next person at a shared phone or a warnet computer never
   sees it. Passwords, files, hidden fields and the honeypot are never stored.

   - A form marked data-draft keeps its fields while they are typed. A page that opens with
     them as they were before the typing gets them back, with a note (data-draft-restored)
     and a button (data-draft-clear) that puts the form back as the page gave it. A send that
     reached the desk forgets the draft; one that did not (no signal, a mistake sent back,
     a staff session that ended) keeps it for the next time the form opens in this tab.
   - Switching language keeps every form's typed text for the one page load after the switch.
*/
(function () {
  "use strict";
  var LANG_KEY = "lang-keep:" + location.pathname;
  var KEEP = "input[type=text], input[type=email], input[type=tel], input[type=search], " +
    "input[type=number], input[type=date], input:not([type]), textarea, select, " +
    "input[type=radio], input[type=checkbox]";

  function fields(scope) {
    return Array.prototype.slice.call(scope.querySelectorAll(KEEP))
      .filter(function (el) { return el.name && el.name !== "website" && !el.disabled; });
  }

  function keyOf(el) {
    var key = el.form ? (el.form.getAttribute("action") || "") + "|" + el.name : el.name;
    return el.type === "checkbox" ? key + "=" + el.value : key;  // a checklist: one per box
  }

  /* The value of el's radio group whose `flag` (checked, defaultChecked) is set, or "". */
  function groupValue(el, all, flag) {
    var chosen = all.filter(function (o) {
      return o.type === "radio" && o.name === el.name && o.form === el.form && o[flag];
    })[0];
    return chosen ? chosen.value : "";
  }

  /* What the page came with: a field's default, a radio group's default choice. */
  function base(el, all) {
    if (el.type === "radio") { return groupValue(el, all, "defaultChecked"); }
    if (el.type === "checkbox") { return el.defaultChecked; }
    if (el.tagName === "SELECT") {
      var opts = Array.prototype.filter.call(el.options, function (o) { return o.defaultSelected; });
      return opts.length ? opts[0].value : (el.options.length ? el.options[0].value : "");
    }
    return el.defaultValue;
  }

  function current(el, all) {
    if (el.type === "radio") { return groupValue(el, all, "checked"); }
    return el.type === "checkbox" ? el.checked : el.value;
  }

  /* Each field changed from what the page came with: {value, what it came with}; null when
     none is. */
  function collect(scope) {
    var values = {};
    var any = false;
    var all = fields(scope);
    all.forEach(function (el) {
      var now = current(el, all);
      var was = base(el, all);
      if (now !== was) { values[keyOf(el)] = {v: now, b: was}; any = true; }
    });
    return any ? values : null;
  }

  /* Puts a kept value back where the field still holds what the page came with then (a
     page that answers with the server's own copy keeps it); true when anything was put back. */
  function restore(scope, values) {
    var done = false;
    var all = fields(scope);
    all.forEach(function (el) {
      var kept = values[keyOf(el)];
      if (!kept || typeof kept !== "object" || current(el, all) !== kept.b) { return; }
      if (el.type === "radio") {
        if (el.value !== kept.v) { return; }
        el.checked = true;
      } else if (el.type === "checkbox") {
        el.checked = kept.v === true;
      } else {
        var before = el.value;
        el.value = kept.v;
        if (el.value !== kept.v) {  // a select without that option stays as it was
          el.value = before;
          return;
        }
      }
      done = true;
      el.dispatchEvent(new Event("input", {bubbles: true}));
    });
    return done;
  }

  function read(key) {
    try { return JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function write(key, value) {
    try {
      if (value === null) { sessionStorage.removeItem(key); }
      else { sessionStorage.setItem(key, JSON.stringify(value)); }
    } catch (e) { /* storage off or full: the form works, without a draft */ }
  }

  /* ---- language switch: every form, for one page load */
  var switched = read(LANG_KEY);
  if (switched) {
    write(LANG_KEY, null);
    restore(document, switched);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-lang-switch]");
    if (!link) { return; }
    var values = {};
    var any = false;
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      var kept = collect(form);
      if (kept) { Object.assign(values, kept); any = true; }
    });
    if (any) { write(LANG_KEY, values); }
  });

  /* ---- drafts of the forms marked data-draft */
  // A send that reached the desk is answered by a redirect (post/redirect/get) to the page it
  // leads to; anything else (a mistake sent back, the login page of a session that ended, no
  // signal at all) keeps the draft.
  var SENT = "draft-sent";
  var sent = read(SENT);
  if (sent) {
    write(SENT, null);
    var navigation = (performance.getEntriesByType &&
                      performance.getEntriesByType("navigation")[0]) || {};
    if (navigation.redirectCount > 0 && document.referrer === sent.page) {
      write(sent.key, null);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), function (form) {
    var key = "draft:" + location.pathname + "|" + (form.getAttribute("action") || "");
    var draft = read(key);
    if (draft && draft.values && restore(form, draft.values)) {
      var note = document.createElement("p");
      note.className = "draft-note";
      note.setAttribute("role", "status");
      note.textContent = form.getAttribute("data-draft-restored") + " ";
      var clear = document.createElement("button");
      clear.type = "button";
      clear.className = "linklike";
      clear.textContent = form.getAttribute("data-draft-clear");
      clear.addEventListener("click", function () {
        form.reset();
        write(key, null);
        note.remove();
        var first = fields(form)[0];
        if (first) { first.focus(); }
      });
      note.appendChild(clear);
      form.insertBefore(note, form.firstChild);
    }

    var timer = null;
    // only what was typed here is written: a page that was merely shown (a draft that did
    // not fit it, say) leaves the stored draft as it is
    var typed = false;
    function save() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (!typed) { return; }
      var values = collect(form);
      write(key, values ? {values: values} : null);
    }
    function later() {
      typed = true;
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, 300);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("reset", function () { typed = true; setTimeout(save, 0); });
    // what a debounce had not written yet when the page is hidden or left
    window.addEventListener("pagehide", save);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { save(); }
    });
    form.addEventListener("submit", function (event) {
      save();
      // a referrer never carries the #fragment
      write(SENT, {key: key, page: location.href.split("#")[0]});
      setTimeout(function () {  // after every other handler: a send stopped by one is no send
        if (event.defaultPrevented) { write(SENT, null); }
      }, 0);
    });
  });
}());
