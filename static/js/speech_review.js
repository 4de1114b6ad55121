// Progressive help for the review page; everything works without it.
// Opening a candidate (#c12) also scrolls the speech box to its highlighted sentence (#m12),
// so the sentence and its form are side by side on a wide screen.
(function () {
  "use strict";
  function follow() {
    var match = /^#c(\d+)$/.exec(window.location.hash);
    if (!match) return;
    var mark = document.getElementById("m" + match[1]);
    var box = document.querySelector(".speech-text");
    if (!mark || !box || box.scrollHeight <= box.clientHeight) return;
    // The box is the mark's offsetParent (position: relative), so offsetTop is inside it.
    box.scrollTop = mark.offsetTop - box.clientHeight / 3;
  }
  window.addEventListener("hashchange", follow);
  document.addEventListener("DOMContentLoaded", follow);
})();
