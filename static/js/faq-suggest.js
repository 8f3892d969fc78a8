/* "Mungkin ini jawabannya": while a citizen types the subject (or the question), published
   answers that share its words are shown under the field, with a way to say one helped.
   Progressive enhancement: without JavaScript the form works as before and the FAQ page
   has the same answers. */
(function () {
  "use strict";
  var box = document.getElementById("faq-suggest");
  var form = box && box.closest("form");
  if (!box || !form || !window.fetch) { return; }
  var subject = form.querySelector("#subject");
  var message = form.querySelector("#message");
  var service = form.querySelector("#service");
  var token = form.querySelector("input[name=csrf_token]");
  var endpoint = box.getAttribute("data-endpoint");
  var timer = null;
  var lastQuery = "";

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) { el.className = cls; }
    return el;
  }

  function vote(entry, helpful, note) {
    var body = new URLSearchParams();
    body.set("helpful", helpful ? "ya" : "tidak");
    body.set("context", "form");
    if (token) { body.set("csrf_token", token.value); }
    fetch(entry.vote_url, {method: "POST", body: body, credentials: "same-origin",
                           headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        note.textContent = helpful ? box.getAttribute("data-helped") : (data.message || "");
      })
      .catch(function () { note.textContent = ""; });
  }

  function render(entries) {
    box.replaceChildren();
    if (!entries.length) { box.hidden = true; return; }
    box.hidden = false;
    box.appendChild(text("h2", box.getAttribute("data-title"), "faq-suggest-title"));
    entries.forEach(function (entry) {
      var details = document.createElement("details");
      details.className = "faq-item";
      details.appendChild(text("summary", entry.title));
      var inner = document.createElement("div");
      inner.className = "faq-body";
      inner.appendChild(text("div", entry.answer, "pre"));
      var note = text("p", "", "faq-note");
      note.setAttribute("role", "status");
      var yes = text("button", box.getAttribute("data-yes"), "button button-small");
      yes.type = "button";
      yes.addEventListener("click", function () { vote(entry, true, note); });
      var no = text("button", box.getAttribute("data-no"), "button button-small");
      no.type = "button";
      no.addEventListener("click", function () { vote(entry, false, note); });
      var row = document.createElement("div");
      row.className = "faq-vote";
      row.appendChild(text("span", box.getAttribute("data-question"), "faq-question"));
      row.appendChild(yes);
      row.appendChild(no);
      inner.appendChild(row);
      inner.appendChild(note);
      details.appendChild(inner);
      box.appendChild(details);
    });
  }

  function lookup() {
    var query = ((subject && subject.value) || "") + " " + ((message && message.value) || "");
    // one line: the lookup is a search, and a query parameter carries no line breaks
    query = query.replace(/\s+/g, " ").trim().slice(0, 300);
    var key = query + "|" + (service ? service.value : "");
    if (query.length < 4 || key === lastQuery) { if (query.length < 4) { render([]); } return; }
    lastQuery = key;
    var url = endpoint + "?q=" + encodeURIComponent(query) +
      (service && service.value ? "&service=" + encodeURIComponent(service.value) : "");
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (data) { render(Array.isArray(data) ? data.slice(0, 3) : []); })
      .catch(function () { render([]); });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 350);
  }

  [subject, message].forEach(function (el) { if (el) { el.addEventListener("input", schedule); } });
  if (service) { service.addEventListener("change", schedule); }
  if (subject && subject.value) { schedule(); }
}());
