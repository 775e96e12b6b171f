// Optional: copy buttons for "kopieer link" and "citeer". Without JavaScript the link and
// the citation are still there to select and copy; the buttons stay hidden.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("button.kopieer[data-kopieer]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-kopieer"));
    if (!target) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      var text = target.value !== undefined ? target.value : target.textContent.trim();
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = "Gekopieerd";
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
