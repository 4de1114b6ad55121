// The task list: a filter dropdown applies itself, the header box ticks every row of the page,
// and a bar at the foot of the screen counts the ticked rows and leads to the bulk actions,
// which on a phone sit below a long list. Without this script the 筛选 button filters and the
// rows are ticked one by one.
(function () {
  "use strict";

  function autosubmit(form) {
    form.addEventListener("change", function (event) {
      if (event.target.tagName !== "SELECT") {
        return; // the search box waits for 筛选 or Enter: a change there fires on every blur
      }
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    });
  }

  function selection(form) {
    var all = form.querySelector("input[data-select-all]");
    var bar = form.querySelector("[data-bulk-bar]");
    var count = bar && bar.querySelector("[data-selected-count]");

    function rows() {
      return form.querySelectorAll("tbody input[type=checkbox][name=ids]");
    }

    function refresh() {
      var boxes = rows();
      var ticked = 0;
      for (var i = 0; i < boxes.length; i++) {
        if (boxes[i].checked) {
          ticked++;
        }
      }
      if (all) {
        all.checked = boxes.length > 0 && ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      }
      if (bar) {
        count.textContent = String(ticked);
        bar.hidden = ticked === 0;
      }
    }

    if (all) {
      all.closest("label").hidden = rows().length === 0;
      all.addEventListener("change", function () {
        var boxes = rows();
        for (var i = 0; i < boxes.length; i++) {
          boxes[i].checked = all.checked;
        }
        refresh();
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "ids") {
        refresh();
      }
    });
    // A page restored from the back/forward cache keeps its ticks.
    window.addEventListener("pageshow", refresh);
    refresh();
  }

  function start() {
    var filters = document.querySelector("form[data-autosubmit]");
    if (filters) {
      autosubmit(filters);
    }
    var bulk = document.getElementById("bulk");
    if (bulk) {
      selection(bulk);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
