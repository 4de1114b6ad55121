// Checks the size and number of chosen files before they are sent, so that a phone on a slow
// connection does not upload 50 MB only to be told the limit afterwards. The server checks
// everything again; this only says it sooner. Limits and messages come from the form's
// data-* attributes: data-max-bytes, data-max-files, data-too-big ({name}), data-too-many ({count}).
(function () {
  "use strict";

  function problems(input) {
    var found = [];
    var files = input.files || [];
    var maxFiles = parseInt(input.dataset.maxFiles || "0", 10);
    var maxBytes = parseInt(input.dataset.maxBytes || "0", 10);
    if (maxFiles && files.length > maxFiles) {
      found.push(input.dataset.tooMany.replace("{count}", String(files.length)));
    }
    for (var i = 0; i < files.length; i++) {
      if (maxBytes && files[i].size > maxBytes) {
        found.push(input.dataset.tooBig.replace("{name}", files[i].name));
      }
    }
    return found;
  }

  function show(input, messages) {
    var box = input.nextElementSibling;
    if (!box || !box.classList.contains("upload-check")) {
      box = document.createElement("div");
      box.className = "error upload-check";
      box.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", box);
    }
    box.textContent = "";
    messages.forEach(function (text) {
      var line = document.createElement("p");
      line.textContent = text;
      box.appendChild(line);
    });
    box.hidden = messages.length === 0;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-max-bytes]")) {
      show(input, problems(input));
    }
  });

  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      var found = problems(inputs[i]);
      show(inputs[i], found);
      if (found.length) {
        event.preventDefault();
        inputs[i].focus();
        return;
      }
    }
  });
})();
