(function () {
  "use strict";
  // One check's evidence as a modal panel: opened by its #anchor (so Back and
  // permalinks work), focus kept inside, Escape or Close returns to the list.
  document.documentElement.classList.add("js");
  var open = null, backdrop = null, cameFromList = false;

  function linkFor(id) {
    var links = document.querySelectorAll("table.checks a.open");
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute("href") === "#" + id) { return links[i]; }
    }
    return null;
  }

  function close(restoreFocus) {
    if (!open) { return; }
    var id = open.id;
    open.classList.remove("open");
    open.removeAttribute("role");
    open.removeAttribute("aria-modal");
    if (backdrop) { backdrop.remove(); backdrop = null; }
    open = null;
    var link = linkFor(id);
    if (link) {
      link.classList.remove("current");
      link.removeAttribute("aria-current");
      if (restoreFocus) { link.focus(); }
    }
  }

  function show(id) {
    var panel = id ? document.getElementById(id) : null;
    if (!panel || !panel.classList.contains("detail")) { close(true); return; }
    close(false);
    panel.classList.add("open");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "true");
    backdrop = document.createElement("div");
    backdrop.className = "backdrop";
    backdrop.addEventListener("click", leave);
    document.body.appendChild(backdrop);
    open = panel;
    var link = linkFor(id);
    if (link) { link.classList.add("current"); link.setAttribute("aria-current", "true"); }
    panel.focus();
  }

  function leave() {
    if (cameFromList) { cameFromList = false; history.back(); return; }
    close(true);
    try { history.replaceState(null, "", location.pathname + location.search + "#checks"); } catch (e) { /* file:// */ }
  }

  function current() { return decodeURIComponent(location.hash.slice(1)); }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    if (target.closest("table.checks a.open")) { cameFromList = true; return; }
    if (target.closest(".detail .close") && open) { event.preventDefault(); leave(); }
  });

  document.addEventListener("keydown", function (event) {
    if (!open) { return; }
    if (event.key === "Escape") { event.preventDefault(); leave(); return; }
    if (event.key !== "Tab") { return; }
    var focusable = open.querySelectorAll('a[href], button:not([hidden]), summary, [tabindex]:not([tabindex="-1"])');
    if (!focusable.length) { event.preventDefault(); return; }
    var first = focusable[0], last = focusable[focusable.length - 1];
    if (event.shiftKey && (document.activeElement === first || document.activeElement === open)) {
      event.preventDefault(); last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault(); first.focus();
    }
  });

  window.addEventListener("hashchange", function () { show(current()); });
  if (location.hash.length > 1) { show(current()); }

  if (navigator.clipboard) {
    document.querySelectorAll("button.copy").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () {
        navigator.clipboard.writeText(b.getAttribute("data-copy")).then(function () {
          b.textContent = "Copied";
          setTimeout(function () { b.textContent = "Copy"; }, 1500);
        });
      });
    });
  }
})();
