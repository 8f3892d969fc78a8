/* Keyboard shortcuts for staff clearing a queue (every staff page; "?" lists them):
     /      the search box          j / k  next / previous ticket in the list
     r      the reply to the requester    n  the internal note
     ?      this list (Esc closes it)
   A key only counts outside a text field, without Ctrl, Alt or Meta, and not while a
   keyboard composes a character; everything stays reachable by Tab without them. */
(function () {
  "use strict";
  var help = document.getElementById("pintasan");
  var opener = document.querySelector("[data-keys-help]");
  if (opener && help && typeof help.showModal === "function") {
    opener.hidden = false;
    opener.addEventListener("click", function () { help.showModal(); });
  }
  if (help) {
    var closer = help.querySelector("[data-keys-close]");
    if (closer) { closer.addEventListener("click", function () { help.close(); }); }
  }

  function typing(el) {
    if (!el || el === document.body) { return false; }
    if (el.isContentEditable) { return true; }
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    if (tag !== "INPUT") { return false; }
    var kind = (el.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit", "reset", "file", "hidden",
            "image", "range", "color"].indexOf(kind) === -1;
  }

  function focusField(selector) {
    var el = document.querySelector(selector);
    if (!el) { return false; }
    el.scrollIntoView({block: "center"});
    el.focus();
    return true;
  }

  function move(step) {
    var links = Array.prototype.slice.call(
      document.querySelectorAll("table.queue tbody tr[data-code] a.code-inline"));
    if (!links.length) { return false; }
    var at = links.indexOf(document.activeElement);
    var next = at === -1 ? (step > 0 ? 0 : links.length - 1)
                         : Math.min(links.length - 1, Math.max(0, at + step));
    var current = document.querySelector("tr.key-current");
    if (current) { current.classList.remove("key-current"); }
    links[next].closest("tr").classList.add("key-current");
    links[next].focus();
    links[next].scrollIntoView({block: "nearest"});
    return true;
  }

  var actions = {
    "/": function () { return focusField("form[role=search] input[type=search], form[role=search] input[name=q]"); },
    "j": function () { return move(1); },
    "k": function () { return move(-1); },
    "r": function () { return focusField(".reply-box textarea"); },
    "n": function () { return focusField("#note-body"); },
    "?": function () {
      if (!help || typeof help.showModal !== "function" || help.open) { return false; }
      help.showModal();
      return true;
    }
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing ||
        event.defaultPrevented || typing(event.target) || (help && help.open)) {
      return;
    }
    var action = actions[event.key];
    if (action && action()) { event.preventDefault(); }
  });
})();
