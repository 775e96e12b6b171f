// Copy buttons of the cite controls (¶ per paragraph, "Citeer" under the title) and print help.
// Without JavaScript everything still works: the panels are <details>, the address and the
// citation are there to select; only the copy buttons stay hidden.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // An intranet over plain http is no secure context: the older route still copies there.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try {
        if (document.execCommand("copy")) { resolve(); } else { reject(new Error("copy")); }
      } catch (error) {
        reject(error);
      } finally {
        document.body.removeChild(area);
      }
    });
  }

  document.querySelectorAll("button.kb-kopieer[data-kopieer]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-kopieer"));
    if (!target) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      var text = target.value !== undefined ? target.value : target.textContent.replace(/\s+/g, " ").trim();
      copyText(text).then(function () {
        button.textContent = "Gekopieerd";
      }, function () {
        button.textContent = "Kopiëren lukt niet: selecteer de tekst";
        if (target.select) { target.select(); }
      }).then(function () {
        window.setTimeout(function () { button.textContent = label; }, 2500);
      });
    });
  });

  // A tap in the address field selects it whole, ready to copy by hand.
  document.querySelectorAll("input.kb-kopieerveld").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  // One cite panel open at a time; Escape closes it and returns to its ¶.
  var panels = "details.kb-alinea-citeer, details.kb-paginacitaat";
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches(panels) || !opened.open) { return; }
    document.querySelectorAll(panels).forEach(function (other) {
      if (other !== opened) { other.open = false; }
    });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = event.target.closest && event.target.closest(panels);
    if (open && open.open) {
      open.open = false;
      open.querySelector("summary").focus();
    }
  });

  // Printing shows the source notes of the findings open.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.kb-bron:not([open])").forEach(function (note) {
      note.open = true;
      openedForPrint.push(note);
    });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (note) { note.open = false; });
    openedForPrint = [];
  });
})();
