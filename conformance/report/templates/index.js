(function () {
  "use strict";
  var table = document.getElementById("matrix");
  var form = document.getElementById("filters");
  var openPanel = null;
  var opener = null;

  function closePanel() {
    if (!openPanel) { return; }
    openPanel.classList.remove("open");
    openPanel = null;
    if (location.hash) { history.replaceState(null, "", location.pathname + location.search); }
    if (opener) { opener.focus(); opener = null; }
  }

  function showPanel(id, from) {
    var panel = document.getElementById(id);
    if (!panel || !panel.classList.contains("detail")) { return false; }
    if (openPanel && openPanel !== panel) { openPanel.classList.remove("open"); }
    panel.classList.add("open");
    openPanel = panel;
    opener = from || null;
    history.replaceState(null, "", "#" + id);
    panel.focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var cell = target.closest("a.cell, a.open-detail");
    if (cell) {
      if (showPanel(cell.getAttribute("href").slice(1), cell)) { event.preventDefault(); }
      return;
    }
    var close = target.closest(".detail .close");
    if (close) { event.preventDefault(); closePanel(); return; }
    var copy = target.closest("button.copy");
    if (copy && navigator.clipboard) {
      navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
        copy.textContent = "Copied";
        setTimeout(function () { copy.textContent = "Copy"; }, 1500);
      });
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closePanel(); }
  });

  if (location.hash.length > 1) {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = document.getElementById(id);
    if (el && el.classList.contains("detail")) { el.classList.add("open"); openPanel = el; }
  }

  if (navigator.clipboard) {
    document.querySelectorAll("button.copy").forEach(function (b) { b.hidden = false; });
  }

  function checked(name) {
    var values = [];
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (input) {
      if (input.checked) { values.push(input.value); }
    });
    return values;
  }

  function apply() {
    form.querySelectorAll('input[name="area"]').forEach(function (input) {
      table.classList.toggle("hide-a-" + input.value, !input.checked);
    });
    form.querySelectorAll('input[name="outcome"]').forEach(function (input) {
      table.classList.toggle("hide-o-" + input.value, !input.checked);
    });
    var frameworks = checked("framework");
    table.querySelectorAll("tbody[data-framework]").forEach(function (body) {
      body.hidden = frameworks.indexOf(body.getAttribute("data-framework")) < 0;
    });
    var only = form.querySelector('input[name="rows-with"]').checked;
    var shown = checked("outcome");
    table.querySelectorAll("tbody tr[data-outcomes]").forEach(function (row) {
      var has = row.getAttribute("data-outcomes").split(" ").some(function (o) {
        return shown.indexOf(OUTCOME_CSS[o] || o) >= 0;
      });
      row.hidden = only && !has;
    });
  }

  var OUTCOME_CSS = {{ outcome_css | tojson }};

  form.addEventListener("change", apply);
  form.addEventListener("click", function (event) {
    var button = event.target;
    if (!(button instanceof HTMLButtonElement)) { return; }
    var name = button.getAttribute("data-all") || button.getAttribute("data-none");
    if (!name) { return; }
    var value = button.hasAttribute("data-all");
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (input) { input.checked = value; });
    apply();
  });
  apply();
})();
