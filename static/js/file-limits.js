/* Files the desk would refuse are caught when they are chosen, before anything is sent:
   one over the size of a file, more files than allowed, or together more than one post may
   carry. A post over that last limit is refused whole (413) before its fields can be read,
   so the text typed with it could not be shown again; the others would be refused after a
   long upload on a phone. The server checks everything again: this only saves the trip.
   Limits and words come from the input's data- attributes (templates: file_limits). */
(function () {
  "use strict";

  function problem(input) {
    var data = input.dataset, files = input.files || [], big = [], total = 0;
    for (var i = 0; i < files.length; i++) {
      total += files[i].size;
      if (files[i].size > Number(data.maxBytes)) { big.push(files[i].name); }
    }
    if (big.length) { return data.tooBig.replace("%s", big.join(", ")); }
    if (files.length > Number(data.maxFiles)) { return data.tooMany; }
    if (total > Number(data.maxTotal)) { return data.tooMuch; }
    return "";
  }

  function show(input, message) {
    var id = input.id + "-limits", note = document.getElementById(id);
    if (!note) {
      note = document.createElement("p");
      note.id = id;
      note.className = "error";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", (described ? described + " " : "") + id);
    }
    note.textContent = message;
    note.hidden = !message;
    if (message) { input.setAttribute("aria-invalid", "true"); }
    else { input.removeAttribute("aria-invalid"); }
    return !message;
  }

  Array.prototype.forEach.call(
    document.querySelectorAll("input[type=file][data-max-bytes]"), function (input) {
      input.addEventListener("change", function () { show(input, problem(input)); });
      if (input.form) {
        input.form.addEventListener("submit", function (event) {
          if (!show(input, problem(input))) {
            event.preventDefault();
            input.focus();
          }
        });
      }
    });
}());
