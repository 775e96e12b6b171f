// The one bit of behaviour of the shared header: on a narrow screen the menu folds away
// behind a "Menu" button. Without JavaScript the menu simply stays open; the question box
// is never folded away. Also closes "Op deze pagina" on a narrow screen, where it would
// otherwise push the text down (it is a <details>, so it opens from the keyboard as well).
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("kb-js");
  var smal = window.matchMedia("(max-width: 47.99rem)");
  var knop = document.querySelector(".kb-menuknop");
  var menu = document.getElementById("kb-hoofdmenu");
  if (knop && menu) {
    var zet = function (open) {
      knop.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("kb-open", open);
    };
    zet(false);
    knop.addEventListener("click", function () {
      zet(knop.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && knop.getAttribute("aria-expanded") === "true" && smal.matches) {
        zet(false);
        knop.focus();
      }
    });
  }
  var inhoud = document.querySelector("details.kb-optoc");
  if (inhoud && smal.matches) { inhoud.open = false; }
  // A number in a sentence links to its "bron" note: open the note it lands on.
  var openBron = function () {
    var doel = location.hash && document.getElementById(location.hash.slice(1));
    if (doel && doel.tagName === "DETAILS" && doel.classList.contains("kb-bron")) { doel.open = true; }
  };
  window.addEventListener("hashchange", openBron);
  openBron();
})();
