(function () {
  "use strict";
  var table = document.getElementById("matrix");
  var form = document.getElementById("filters");
  var shownLine = document.getElementById("shown");
  if (!table || !form) { return; }
  var PASSED = { "pass": 1, "unexpected": 1 };
  var NOT_RUN = { "unsupported": 1 };
  var VERDICT = { "pass": 1, "fail": 1, "nonstrict": 1, "unexpected": 1, "flaky": 1 };
  // Each check column's area and severity, in cell order.
  var heads = Array.prototype.slice.call(table.querySelectorAll("thead tr.checks th"));
  var cols = heads.map(function (th) {
    var area = (th.className.match(/\ba-(\S+)/) || [])[1];
    var sev = (th.className.match(/\bsev-(\S+)/) || [])[1];
    return { area: area, sev: sev };
  });

  function checked(name) {
    var values = [];
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (input) {
      if (input.checked) { values.push(input.value); }
    });
    return values;
  }

  function all(name) {
    return form.querySelectorAll('input[name="' + name + '"]').length;
  }

  // Filters live in the address: ?areas=..&outcomes=..&frameworks=..&rows=with
  function toUrl() {
    var params = [];
    ["area", "outcome", "framework"].forEach(function (name) {
      var values = checked(name);
      if (values.length !== all(name)) { params.push(name + "s=" + encodeURIComponent(values.join(","))); }
    });
    if (form.querySelector('input[name="rows-with"]').checked) { params.push("rows=with"); }
    var search = params.length ? "?" + params.join("&") : "";
    try {
      history.replaceState(null, "", location.pathname + search + location.hash);
    } catch (e) { /* some file:// hosts refuse: the filters still apply */ }
  }

  function fromUrl() {
    var query = location.search.replace(/^\?/, "");
    if (!query) { return; }
    query.split("&").forEach(function (pair) {
      var kv = pair.split("=");
      var key = kv[0], value = decodeURIComponent(kv[1] || "");
      if (key === "rows") { form.querySelector('input[name="rows-with"]').checked = value === "with"; return; }
      var name = key.replace(/s$/, "");
      var wanted = value ? value.split(",") : [];
      form.querySelectorAll('input[name="' + name + '"]').forEach(function (input) {
        input.checked = wanted.indexOf(input.value) >= 0;
      });
    });
    if (query) { form.closest("details").open = true; }
  }

  function outcomeOf(td) {
    var m = td.className.match(/\bo-(\S+)/);
    return m ? m[1] : null;
  }

  function apply() {
    var areas = checked("area");
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
    var rows = 0, tally = {};
    table.querySelectorAll("tbody tr[data-outcomes]").forEach(function (row) {
      var cells = row.querySelectorAll("td.c");
      var must = [0, 0], should = [0, 0], has = false, supported = {};
      cells.forEach(function (td, i) {
        var col = cols[i];
        var o = outcomeOf(td);
        if (!col || !o || areas.indexOf(col.area) < 0) { return; }
        if (shown.indexOf(o) >= 0) { has = true; }
        if (NOT_RUN[o]) { return; }
        if (VERDICT[o]) { supported[col.area] = 1; }
        var pair = col.sev === "must" ? must : (col.sev === "should" ? should : null);
        if (pair) { pair[1] += 1; if (PASSED[o]) { pair[0] += 1; } }
      });
      row.hidden = only && !has;
      if (cells.length) {
        var m = row.querySelector("td.cm"), s = row.querySelector("td.cs");
        if (m) { m.textContent = must[0] + "/" + must[1]; }
        if (s) { s.textContent = should[0] + "/" + should[1]; }
        var a = row.querySelector("td.ca");
        if (a) { a.textContent = Object.keys(supported).length + "/" + areas.length; }
      }
      var body = row.parentNode;
      if (row.hidden || body.hidden) { return; }
      rows += 1;
      cells.forEach(function (td, i) {
        var o = outcomeOf(td);
        if (o && cols[i] && areas.indexOf(cols[i].area) >= 0 && shown.indexOf(o) >= 0) {
          tally[o] = (tally[o] || 0) + 1;
        }
      });
    });
    if (shownLine) {
      var LABELS = {};
      Object.keys(OUTCOME_CSS).forEach(function (name) { LABELS[OUTCOME_CSS[name]] = name; });
      var parts = Object.keys(tally).map(function (o) { return tally[o] + " " + (LABELS[o] || o); });
      shownLine.textContent = "Shown: " + rows + " rows; cells " + (parts.join(", ") || "none") +
        ". MUST and SHOULD counts follow the areas shown.";
    }
    toUrl();
  }

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
  fromUrl();
  apply();
})();
